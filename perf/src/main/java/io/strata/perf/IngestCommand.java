package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.timeline.TimelineConfig;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.Alignment;
import io.strata.io.file.IoEngine;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ingest}: Neon's {@code bench_ingest} matrix through Strata's in-memory layer (Neon's exact harness) and
 * through a whole timeline, MiB/s of values per case beside Neon's published figures.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Neon's bench_ingest (pageserver/benches/bench_ingest.rs): --size bytes of all-zero page images of 100 "
                    + "bytes (sequential, random and random-reuse(0x3ff) keys) and of 8 KiB (sequential keys), put "
                    + "in batches of 16 into a new in-memory layer at LSNs growing by the value size, then frozen; "
                    + "with delta, the L0 delta layer is written and removed. Each run is timed from the layer's "
                    + "creation to its removal. Rows 'timeline' put the same records through Timeline.ingest and "
                    + "freezeAndFlush (L0 file and durable index) of a fresh engine.",
            "MiB/s are value bytes per second (Neon's criterion throughput), the median of --rounds runs after "
                    + "--warmup unmeasured ones; Neon's figures are its DirectRw results on a 16-core Hetzner "
                    + "AX102. Prints a table, then the figures as one JSON object on the last line."})
final class IngestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "D",
            description = "Directory for the ephemeral and layer files (removed after each run); made if missing.")
    Path dir;

    @Option(names = "--size", defaultValue = "128m", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Value bytes per run (Neon: 128 MiB) (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--cases", split = ",", defaultValue = "all", paramLabel = "CASE",
            description = "Cases, comma-separated: 100b-seq-delta, 100b-random-delta, 100b-reuse-delta, "
                    + "100b-seq-nodelta, 8k-seq-delta, 8k-seq-nodelta, or all (default: ${DEFAULT-VALUE}).")
    List<String> cases = new ArrayList<>();

    @Option(names = "--paths", split = ",", defaultValue = "layer,timeline", paramLabel = "PATH",
            description = "What to time: layer (Neon's harness), timeline (only cases with delta) "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> paths = new ArrayList<>();

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "R",
            description = "Measured runs per case and path; the table shows the median (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "W",
            description = "Unmeasured runs per case and path first (JIT) (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--engine", defaultValue = "uring", converter = BenchEngineConverter.class,
            paramLabel = "ENGINE", description = "Strata engine: uring or filechannel (default: ${DEFAULT-VALUE}).")
    BenchEngine engine;

    @Option(names = "--peer", defaultValue = "none", paramLabel = "PEER",
            description = "Also run each case on this peer (same keys, LSNs, values, batches; no WAL; with delta, "
                    + "one flush to an L0 file): rocksdb or none (default: ${DEFAULT-VALUE}).")
    GetPageCommand.Peer peer;

    /** One row: a case through a path, its runs. */
    record Row(IngestBench.Case c, IngestBench.Path2 path, int puts, List<IngestBench.Run> runs,
               List<IngestBench.Run> rocksdb) {
        IngestBench.Run median() {
            return medianOf(runs);
        }

        double rocksdbMibPerSec() {
            return rocksdb.isEmpty() ? Double.NaN : medianOf(rocksdb).mibPerSec();
        }

        private static IngestBench.Run medianOf(List<IngestBench.Run> runs) {
            List<IngestBench.Run> sorted = new ArrayList<>(runs);
            sorted.sort((a, b) -> Long.compare(a.nanos(), b.nanos()));
            return sorted.get(sorted.size() / 2);
        }
    }

    @Override
    public Integer call() throws Exception {
        List<IngestBench.Case> selected = selectedCases();
        List<IngestBench.Path2> selectedPaths = selectedPaths();
        if (rounds < 1 || rounds > 100 || warmup < 0 || warmup > 100) {
            throw new ParameterException(spec.commandLine(), "--rounds must be in [1, 100] and --warmup in [0, 100]");
        }
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Files.createDirectories(dir);
        Path abs = dir.toAbsolutePath();
        int alignment = Alignment.forDirectory(abs);
        CpuClock cpu = new CpuClock();
        List<Row> rows = new ArrayList<>();
        String engineDescription;
        IoEngine io = engine.create(64, 1);
        try {
            engineDescription = io.describe();
            progress.line("engine " + engine.label() + ": " + engineDescription);
            AlignedBufferPool ephemeralPool = new AlignedBufferPool(IngestBench.EPHEMERAL_BUFFER,
                    1 + IngestBench.EPHEMERAL_WRITES + 16, alignment);
            AlignedBufferPool writePool = new AlignedBufferPool(LayerBench.WRITE_BUFFER,
                    LayerBench.WRITE_IN_FLIGHT + 2, alignment);
            EngineConfig timelineConfig = EngineConfig.defaults()
                    .withWriteBuffers(LayerBench.WRITE_BUFFER, LayerBench.WRITE_IN_FLIGHT + 4)
                    .withTimeline(TimelineConfig.defaults().withEphemeralBuffers(IngestBench.EPHEMERAL_BUFFER,
                            IngestBench.EPHEMERAL_WRITES));
            timelineConfig = timelineConfig.withIo(timelineConfig.io().withAlignment(alignment));
            long id = 1;
            for (IngestBench.Case c : selected) {
                int puts = IngestBench.putCount(size, c.valueSize);
                List<IngestBench.Run> rocks = new ArrayList<>();
                if (peer == GetPageCommand.Peer.rocksdb) {
                    for (int r = 0; r < warmup + rounds; r++) {
                        System.gc();
                        IngestBench.Run run = RocksIngest.run(c, puts, abs.resolve("rocksdb-run"), cpu);
                        progress.line(String.format("%s rocksdb %s: %.1f MiB/s in %.3f s (puts %.3f s)", c.label,
                                r >= warmup ? "round " + (r - warmup + 1) : "warm-up", run.mibPerSec(),
                                run.nanos() / 1e9, run.putNanos() / 1e9));
                        if (r >= warmup) {
                            rocks.add(run);
                        }
                    }
                }
                for (IngestBench.Path2 path : selectedPaths) {
                    if (path == IngestBench.Path2.TIMELINE && !c.writeDelta) {
                        continue;
                    }
                    Row row = new Row(c, path, puts, new ArrayList<>(), rocks);
                    for (int r = 0; r < warmup + rounds; r++) {
                        boolean measured = r >= warmup;
                        String what = c.label + " " + path.label + (measured ? " round " + (r - warmup + 1) + " of "
                                + rounds : " warm-up");
                        progress.line(what + ": " + puts + " puts of " + c.valueSize + " bytes");
                        System.gc();
                        IngestBench.Run run = path == IngestBench.Path2.LAYER
                                ? IngestBench.layerRun(c, puts, io, ephemeralPool, writePool, abs, id++, cpu)
                                : IngestBench.timelineRun(c, puts, timelineConfig, io, abs.resolve("timeline-run"),
                                        cpu);
                        progress.line(String.format("  %.1f MiB/s in %.3f s (puts %.3f s, cpu %.2f s)",
                                run.mibPerSec(), run.nanos() / 1e9, run.putNanos() / 1e9, run.cpuNanos() / 1e9));
                        if (measured) {
                            row.runs().add(run);
                        }
                    }
                    rows.add(row);
                }
            }
        } finally {
            io.close();
        }
        print(out, rows);
        ObjectNode root = JsonReport.object();
        root.put("benchmark", "ingest");
        root.put("dir", abs.toString());
        root.put("size_bytes", size);
        root.put("batch", IngestBench.BATCH);
        root.put("rounds", rounds);
        root.put("warmup", warmup);
        root.put("engine", engine.label());
        root.put("engine_description", engineDescription);
        root.put("neon_reference", "pageserver/benches/bench_ingest.rs, io_mode=DirectRw, Hetzner AX102 (16 cores)");
        JsonReport.putHost(root);
        if (peer == GetPageCommand.Peer.rocksdb) {
            ObjectNode rdb = root.putObject("rocksdb");
            RocksPeer.describe(rdb, 8L << 20);
            rdb.put("memtable", "sized to hold the whole run (no flush before the end)");
        } else {
            root.putNull("rocksdb");
        }
        ArrayNode results = root.putArray("results");
        for (Row r : rows) {
            ObjectNode o = results.addObject();
            o.put("case", r.c().label);
            o.put("path", r.path().label);
            o.put("value_bytes", r.c().valueSize);
            o.put("key_layout", r.c().layout.neonName);
            o.put("write_delta", r.c().writeDelta);
            o.put("puts", r.puts());
            IngestBench.Run m = r.median();
            o.put("mib_per_s", round(m.mibPerSec()));
            o.put("seconds", m.nanos() / 1e9);
            o.put("put_seconds", m.putNanos() / 1e9);
            o.put("cpu_seconds", m.cpuNanos() < 0 ? Double.NaN : m.cpuNanos() / 1e9);
            o.put("delta_file_bytes", m.deltaFileBytes());
            ArrayNode all = o.putArray("rounds_mib_per_s");
            r.runs().forEach(x -> all.add(round(x.mibPerSec())));
            o.put("neon_mib_per_s", round(r.c().neonMibPerSec));
            o.put("vs_neon", Math.round(m.mibPerSec() / r.c().neonMibPerSec * 1000) / 1000.0);
            if (!r.rocksdb().isEmpty()) {
                EngineResult.put(o, "rocksdb_mib_per_s", r.rocksdbMibPerSec(), 1);
                EngineResult.put(o, "vs_rocksdb", m.mibPerSec() / r.rocksdbMibPerSec(), 3);
            }
        }
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private List<IngestBench.Case> selectedCases() {
        if (cases.isEmpty() || cases.size() == 1 && cases.get(0).trim().equalsIgnoreCase("all")) {
            return Arrays.asList(IngestBench.Case.values());
        }
        List<IngestBench.Case> out = new ArrayList<>();
        for (String s : cases) {
            try {
                IngestBench.Case c = IngestBench.Case.parse(s);
                if (!out.contains(c)) {
                    out.add(c);
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "invalid --cases: " + e.getMessage()
                        + " (expected all or some of 100b-seq-delta, 100b-random-delta, 100b-reuse-delta, "
                        + "100b-seq-nodelta, 8k-seq-delta, 8k-seq-nodelta)");
            }
        }
        return out;
    }

    private List<IngestBench.Path2> selectedPaths() {
        List<IngestBench.Path2> out = new ArrayList<>();
        for (String s : paths) {
            IngestBench.Path2 p = switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "layer" -> IngestBench.Path2.LAYER;
                case "timeline" -> IngestBench.Path2.TIMELINE;
                default -> throw new ParameterException(spec.commandLine(), "invalid --paths '" + s
                        + "': expected layer, timeline or both");
            };
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--paths needs layer, timeline or both");
        }
        return out;
    }

    private static void print(PrintWriter out, List<Row> rows) {
        List<String> header = List.of("case", "path", "value B", "keys", "delta", "puts", "MiB/s", "s", "puts s",
                "cpu s", "Neon MiB/s", "vs Neon", "RocksDB MiB/s", "vs RocksDB");
        List<List<String>> lines = new ArrayList<>();
        for (Row r : rows) {
            IngestBench.Run m = r.median();
            lines.add(List.of(r.c().label, r.path().label, Integer.toString(r.c().valueSize), r.c().layout.neonName,
                    r.c().writeDelta ? "yes" : "no", Integer.toString(r.puts()), ResultTable.num(m.mibPerSec(), 1),
                    ResultTable.num(m.nanos() / 1e9, 3), ResultTable.num(m.putNanos() / 1e9, 3),
                    m.cpuNanos() < 0 ? "-" : ResultTable.num(m.cpuNanos() / 1e9, 2),
                    ResultTable.num(r.c().neonMibPerSec, 1), ResultTable.num(m.mibPerSec() / r.c().neonMibPerSec, 2),
                    ResultTable.num(r.rocksdbMibPerSec(), 1), ResultTable.num(m.mibPerSec() / r.rocksdbMibPerSec(), 2)));
        }
        ResultTable.printRows(out, header, lines, Set.of("case", "path", "keys", "delta"));
        out.println("Neon: DirectRw figures from the comment of pageserver/benches/bench_ingest.rs (Hetzner AX102, "
                + "16 cores); 8k-seq-nodelta is its 1.0061 GiB/s.");
    }
}
