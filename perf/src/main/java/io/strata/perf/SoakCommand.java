package io.strata.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.check.ModelCheckStats;
import io.strata.engine.check.ModelChecker;
import io.strata.engine.check.ModelCheckerConfig;
import io.strata.engine.check.ModelOp;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code soak}: the engine's model checker for as long as asked. */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs the model checker (io.strata.engine.check.ModelChecker) on a real engine until the time is up: "
                    + "seeded random ingest, flush, L0 compaction, legacy passes, image creation, gc-compaction "
                    + "with random key and LSN rectangles, legacy GC, branches, leases and restarts, every key read "
                    + "at every retained LSN after each step and compared with the in-memory oracle, while "
                    + "--readers threads read concurrently.",
            "Prints progress to stderr, then a table of operations and reads checked and one JSON object on the "
                    + "last line. Exits 1 on the first difference, printing the seed, step, operations and the "
                    + "key and LSN."})
final class SoakCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--minutes", required = true, paramLabel = "N",
            description = "How long to run, in minutes (fractions allowed, e.g. 0.1).")
    double minutes;

    @Option(names = "--seed", paramLabel = "S",
            description = "The seed (default: a random one, printed).")
    Long seed;

    @Option(names = "--dir", paramLabel = "D",
            description = "Directory for the engine's data (removed after the run); default: a new temporary one.")
    Path dir;

    @Option(names = "--readers", defaultValue = "2", paramLabel = "N",
            description = "Concurrent reader threads (default: ${DEFAULT-VALUE}).")
    int readers;

    @Option(names = "--keys", defaultValue = "48", paramLabel = "N",
            description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--checkpoint-distance", defaultValue = "1m", converter = SizeConverter.class,
            paramLabel = "SIZE", description = "The timelines' checkpoint distance; smaller makes ingest roll layers "
            + "by itself, with flush timing no longer decided by the seed alone (default: ${DEFAULT-VALUE}).")
    long checkpointDistance;

    @Option(names = "--progress-seconds", defaultValue = "10", paramLabel = "N",
            description = "Seconds between progress lines (default: ${DEFAULT-VALUE}).")
    int progressSeconds;

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0) || readers < 0 || keys < 2 || progressSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--minutes must be positive, --readers at least 0, "
                    + "--keys at least 2, --progress-seconds at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
        Path data = dir == null ? java.nio.file.Files.createTempDirectory("strata-soak")
                : CompactionBench.freshDirectory(dir, "soak");
        ModelCheckerConfig config = ModelCheckerConfig.defaults(s).withReaders(readers).withKeys(keys)
                .withCheckpointDistance(checkpointDistance);
        Duration budget = Duration.ofMillis((long) (minutes * 60_000));
        progress.line("soak: seed " + s + " (repeat with --seed " + s + "), " + budget + ", " + readers
                + " readers, data in " + data);
        long started = System.nanoTime();
        long deadline = started + budget.toNanos();
        ModelCheckStats stats;
        try (ModelChecker checker = ModelChecker.open(data, config)) {
            stats = checker.stats();
            long nextReport = started + Duration.ofSeconds(progressSeconds).toNanos();
            do { // at least one step, however short the time
                checker.step();
                if (System.nanoTime() - nextReport >= 0) {
                    progress.line(String.format("%.0f s: %d steps, %s", (System.nanoTime() - started) / 1e9,
                            checker.steps(), stats.summary()));
                    nextReport += Duration.ofSeconds(progressSeconds).toNanos();
                }
            } while (System.nanoTime() - deadline < 0);
        } finally {
            CompactionBench.deleteRecursively(data);
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        List<List<String>> rows = new ArrayList<>();
        for (ModelOp op : ModelOp.values()) {
            rows.add(List.of(op.label(), Long.toString(stats.operations(op)),
                    stats.layersAdded(op) + stats.layersRemoved(op) == 0 ? "" : "+" + stats.layersAdded(op) + " -"
                            + stats.layersRemoved(op)));
        }
        rows.add(List.of("operations", Long.toString(stats.operations()), ""));
        rows.add(List.of("pages checked", Long.toString(stats.pagesChecked()), ""));
        rows.add(List.of("refusals checked", Long.toString(stats.refusalsChecked()), ""));
        rows.add(List.of("concurrent pages checked", Long.toString(stats.concurrentPages()), ""));
        rows.add(List.of("concurrent GC refusals", Long.toString(stats.concurrentRefusals()), ""));
        rows.add(List.of("reads checked", Long.toString(stats.readsChecked()), ""));
        rows.add(List.of("seconds", ResultTable.num(elapsed, 1), ""));
        ResultTable.printRows(out, List.of(header(s), "count", "layers"), rows, java.util.Set.of(header(s)));
        ObjectNode root = JsonReport.object();
        root.put("benchmark", "soak");
        root.put("seed", s);
        root.put("readers", readers);
        root.put("keys", keys);
        root.put("elapsed_seconds", elapsed);
        root.setAll(stats.toJson());
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }

    private static String header(long seed) {
        return "soak (seed " + seed + ")";
    }
}
