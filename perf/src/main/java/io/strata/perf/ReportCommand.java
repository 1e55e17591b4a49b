package io.strata.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code report}: turns a run directory of {@code perf/run-all} (per command: {@code NN-name.out} its stdout ending
 * with the JSON line, {@code .cmd} its command line, {@code .load} the load averages around it, {@code .secs} its
 * wall time, or {@code .skip} why it did not run) into {@code <out>/<date>.md} with tables and PNG charts in
 * {@code <out>/<date>/}.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Writes OUT/DATE.md from the run directory IN that perf/run-all filled: a summary of every ratio against "
                    + "fio and RocksDB (and Neon), then per command its command line, load average, table, chart "
                    + "(PNG, in OUT/DATE/) and JSON line."})
final class ReportCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--in", required = true, paramLabel = "DIR", description = "The run directory.")
    Path in;

    @Option(names = "--out", defaultValue = "perf/results", paramLabel = "DIR",
            description = "Where the markdown and the charts go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The report's name (default: today).")
    String date;

    @Option(names = "--note", paramLabel = "TEXT", description = "A paragraph under the title (the run's settings).")
    String note;

    /** One command of the run. */
    private record Entry(String name, String command, String load, String seconds, String skip, String table,
                         JsonNode json) {
    }

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        if (!Files.isDirectory(in)) {
            throw new ParameterException(spec.commandLine(), "--in " + in + " is not a directory");
        }
        String day = date != null ? date : LocalDate.now().toString();
        if (!day.matches("[0-9A-Za-z._-]+")) {
            throw new ParameterException(spec.commandLine(), "invalid --date '" + day + "': used as a file name");
        }
        Path chartDir = out.resolve(day);
        Files.createDirectories(chartDir);
        List<Entry> entries = read();
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no command results (*.out or *.skip) in " + in);
        }
        List<ReportRatios.Ratio> ratios = new ArrayList<>();
        for (Entry e : entries) {
            if (e.json != null) {
                ratios.addAll(ReportRatios.of(e.json));
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results, ").append(day).append("\n\n");
        md.append("Written by `perf/run-all` (`strata-perf report`).");
        host(entries).ifPresent(h -> md.append(" Host: ").append(h).append('.'));
        md.append("\n\n");
        if (note != null && !note.isBlank()) {
            md.append(note.strip()).append("\n\n");
        }
        md.append("## Summary: ratios\n\n");
        md.append("Every ratio the commands report: throughput of the first over the second (fio: the device limit "
                + "for the same access pattern; RocksDB: the same workload on its LSM; Neon: its published "
                + "figure).\n\n");
        md.append("| benchmark | where | ratio | field | value |\n|---|---|---|---|---:|\n");
        for (ReportRatios.Ratio r : ratios) {
            md.append("| ").append(r.benchmark()).append(" | ").append(r.where().isEmpty() ? "-" : r.where())
                    .append(" | ").append(r.meaning()).append(" | ").append(r.field()).append(" | ")
                    .append(ResultTable.num(r.value(), 3))
                    .append(" |\n");
        }
        md.append('\n');
        Optional<String> ratioChart = ReportCharts.ratios(ratios, chartDir);
        ratioChart.ifPresent(f -> md.append("![ratios](").append(day).append('/').append(f).append(")\n\n"));
        for (Entry e : entries) {
            md.append("## ").append(e.name).append("\n\n");
            if (e.skip != null) {
                md.append("Not run: ").append(e.skip.strip()).append("\n\n");
                continue;
            }
            if (e.command != null) {
                md.append("```sh\n").append(e.command.strip()).append("\n```\n\n");
            }
            List<String> facts = new ArrayList<>();
            if (e.seconds != null) {
                facts.add("wall time " + e.seconds.strip() + " s");
            }
            if (e.load != null) {
                facts.add("load average " + e.load.strip());
            }
            if (!facts.isEmpty()) {
                md.append(String.join(", ", facts)).append(".\n\n");
            }
            if (e.json == null) {
                md.append("The command did not end with a JSON line (it failed); its output:\n\n");
            }
            md.append("```\n").append(e.table.strip()).append("\n```\n\n");
            if (e.json != null) {
                Optional<String> chart = ReportCharts.write(e.json, chartDir);
                chart.ifPresent(f -> md.append("![").append(e.name).append("](").append(day).append('/').append(f)
                        .append(")\n\n"));
                md.append("<details><summary>JSON</summary>\n\n```json\n").append(JSON.writeValueAsString(e.json))
                        .append("\n```\n</details>\n\n");
            }
        }
        Path report = out.resolve(day + ".md");
        Files.writeString(report, md.toString());
        PrintWriter w = spec.commandLine().getOut();
        w.println("report: " + report + " (" + entries.size() + " commands, " + ratios.size() + " ratios, charts in "
                + chartDir + ")");
        w.flush();
        return 0;
    }

    private List<Entry> read() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(in)) {
            files = s.filter(p -> p.toString().endsWith(".out") || p.toString().endsWith(".skip")).sorted().toList();
        }
        List<Entry> out = new ArrayList<>();
        for (Path f : files) {
            String file = f.getFileName().toString();
            String base = file.substring(0, file.lastIndexOf('.'));
            String name = base.replaceFirst("^[0-9]+-", "");
            if (file.endsWith(".skip")) {
                out.add(new Entry(name, null, null, null, Files.readString(f), "", null));
                continue;
            }
            String stdout = Files.readString(f);
            List<String> lines = new ArrayList<>(stdout.strip().lines().toList());
            JsonNode json = null;
            if (!lines.isEmpty() && lines.get(lines.size() - 1).startsWith("{")) {
                try {
                    json = JSON.readTree(lines.get(lines.size() - 1));
                    lines.remove(lines.size() - 1);
                } catch (IOException e) {
                    json = null;
                }
            }
            String table = String.join("\n", lines);
            if (json == null) {
                table = table + "\n" + tail(in.resolve(base + ".err"));
            }
            out.add(new Entry(name, optional(in.resolve(base + ".cmd")), optional(in.resolve(base + ".load")),
                    optional(in.resolve(base + ".secs")), null, table, json));
        }
        return out;
    }

    private static String optional(Path p) throws IOException {
        return Files.isRegularFile(p) ? Files.readString(p) : null;
    }

    /** The last lines of a command's stderr, for a command that failed. */
    private static String tail(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            return "";
        }
        List<String> lines = Files.readString(p).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    private static Optional<String> host(List<Entry> entries) {
        for (Entry e : entries) {
            if (e.json != null && e.json.has("host")) {
                JsonNode h = e.json.path("host");
                String fio = e.json.path("fio").isTextual() ? ", " + e.json.path("fio").asText() : "";
                return Optional.of(h.path("cpus").asInt() + " CPUs, " + h.path("os").asText() + ", "
                        + h.path("java").asText() + fio);
            }
        }
        return Optional.empty();
    }
}
