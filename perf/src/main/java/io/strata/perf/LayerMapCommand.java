package io.strata.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.BatchedUpdates;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.layermap.SearchResult;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code layer-map}: Neon's {@code bench_layer_map} for Strata's {@link LayerMap}: build a map from layer names,
 * then search it with Neon's uniform query pattern (for each image layer, a key inside it at the LSN just below
 * it), every answer of a sample checked against a brute-force search.
 */
@Command(name = "layer-map", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Builds a layer map (one batch) from Neon layer file names or a synthetic timeline and times it, then "
                    + "runs Neon's uniform query pattern from bench_layer_map.rs: for each image layer, search "
                    + "the key after its start at the LSN just below it. Searches of a sample (--verify) are "
                    + "checked against a brute-force search first. Range searches use each image layer's whole "
                    + "key range at the same LSN.",
            "Prints a table, then the figures as one JSON object on the last line."})
final class LayerMapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--layer-names", paramLabel = "FILE",
                description = "A file of layer file names, one a line, or builtin:odd-brook / builtin:large "
                        + "(Neon's benchmark files, looked up in shared/reference/layer-names/).")
        String layerNames;

        @Option(names = "--generate", paramLabel = "N",
                description = "A synthetic timeline of N layers: L1 deltas and images per 256 MiB partition "
                        + "over many compactions, a few L0s on top.")
        Integer generate;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "S",
            description = "Measured seconds of each query kind (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "1", paramLabel = "S",
            description = "Unmeasured seconds of each query kind first (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
            description = "Threads searching the same map at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--verify", defaultValue = "2000", paramLabel = "N",
            description = "Most searches checked against a brute-force search, evenly spread over the pattern; "
                    + "0 checks none (default: ${DEFAULT-VALUE}).")
    int verify;

    @Option(names = "--build-rounds", defaultValue = "3", paramLabel = "R",
            description = "Builds after the first (cold) one; the table shows the fastest (default: "
                    + "${DEFAULT-VALUE}).")
    int buildRounds;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of --generate (default: ${DEFAULT-VALUE}).")
    long seed;

    /** A search query: a key at an end LSN (exclusive). */
    record Query(Key key, Lsn endLsn) {
    }

    /** A range search query. */
    record RangeQuery(KeyRange range, Lsn endLsn) {
    }

    /** One timed query kind. */
    record Timed(String name, int queries, long ops, double wallSeconds, double cpuSeconds, double resultEntries) {
        double opsPerSecond() {
            return ops / wallSeconds;
        }

        double opsPerCpuSecond() {
            return cpuSeconds > 0 ? ops / cpuSeconds : Double.NaN;
        }

        ObjectNode toJson() {
            ObjectNode o = JsonReport.object();
            o.put("queries", queries);
            o.put("ops", ops);
            o.put("wall_seconds", wallSeconds);
            o.put("cpu_seconds", cpuSeconds);
            o.put("ops_per_second", opsPerSecond());
            o.put("ops_per_second_per_core", opsPerCpuSecond());
            if (!Double.isNaN(resultEntries)) {
                o.put("avg_result_entries", resultEntries);
            }
            return o;
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        CpuClock cpu = new CpuClock();

        String sourceLabel = source.layerNames != null ? source.layerNames : "generate:" + source.generate;
        progress.line("reading layers from " + sourceLabel);
        List<PersistentLayerDesc> layers = source.layerNames != null ? LayerNames.read(source.layerNames)
                : SyntheticLayers.generate(source.generate, seed);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(sourceLabel + " has no layers");
        }

        // build: one cold, then the fastest of --build-rounds
        double coldMs = 0;
        double warmMs = Double.NaN;
        LayerMap map = null;
        for (int round = 0; round <= buildRounds; round++) {
            long t0 = System.nanoTime();
            LayerMap built = build(layers);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (round == 0) {
                coldMs = ms;
                map = built;
            } else {
                warmMs = Double.isNaN(warmMs) ? ms : Math.min(warmMs, ms);
            }
        }
        progress.line(String.format("built %d layers in %.1f ms (cold)", map.historicLayerCount(), coldMs));
        double appendL0Ms = appendL0FlushMs(map);

        List<Query> queries = uniformQueryPattern(map);
        if (queries.isEmpty()) {
            throw new IllegalArgumentException(sourceLabel + " has no image layers: the uniform query pattern "
                    + "has no queries");
        }
        List<RangeQuery> rangeQueries = rangeQueryPattern(map);

        int verified = verify(map, queries, progress);
        int rangeVerified = verifyRanges(map, rangeQueries, progress);

        LayerMap m = map;
        Timed search = time("search", queries.size(), i -> {
            Query q = queries.get(i);
            Optional<SearchResult> r = m.search(q.key(), q.endLsn());
            return r.isPresent() ? r.get().lsnFloor().value() : 0;
        }, cpu, progress, Double.NaN);
        long[] entries = new long[1];
        long[] calls = new long[1];
        Timed rangeSearch = time("range-search", rangeQueries.size(), i -> {
            RangeQuery q = rangeQueries.get(i);
            return m.rangeSearch(q.range(), q.endLsn()).size();
        }, cpu, progress, averageEntries(map, rangeQueries, entries, calls));

        Lsn min = Lsn.MAX;
        Lsn max = Lsn.INVALID;
        int images = 0;
        for (PersistentLayerDesc l : layers) {
            min = l.lsnStart().compareTo(min) < 0 ? l.lsnStart() : min;
            Lsn last = new Lsn(l.lsnEnd().value() - 1);
            max = last.compareTo(max) > 0 ? last : max;
            images += l.isDelta() ? 0 : 1;
        }
        int l0s = map.level0Deltas().size();

        out.printf("layer map from %s: %d layers (%d images, %d deltas, %d L0), LSN %s..%s%n", sourceLabel,
                map.historicLayerCount(), images, layers.size() - images, l0s, min, max);
        out.printf("build: %.1f ms cold, %s ms warm (fastest of %d); flush of one new L0 on top: %.3f ms%n", coldMs,
                ResultTable.num(warmMs, 1), buildRounds, appendL0Ms);
        out.printf("checked against a brute-force search: %d of %d searches%s, %d of %d range searches (each "
                        + "part's start searched alone): all equal%n", verified, queries.size(),
                verified < queries.size() ? " (an even sample; brute force is O(layers) a search)" : "",
                rangeVerified, rangeQueries.size());
        List<List<String>> rows = new ArrayList<>();
        for (Timed t : List.of(search, rangeSearch)) {
            rows.add(List.of(t.name(), Integer.toString(t.queries()), Integer.toString(threads),
                    Long.toString(t.ops()), ResultTable.num(t.wallSeconds(), 2), ResultTable.num(t.opsPerSecond(), 0),
                    ResultTable.num(t.cpuSeconds(), 2), ResultTable.num(t.opsPerCpuSecond(), 0),
                    ResultTable.num(t.resultEntries(), 1)));
        }
        ResultTable.printRows(out, List.of("query", "pattern", "threads", "ops", "seconds", "ops/s", "cpu s",
                "ops/s per core", "entries"), rows, Set.of("query"));

        ObjectNode root = JsonReport.object();
        root.put("benchmark", "layer-map");
        root.put("source", sourceLabel);
        if (source.generate != null) {
            root.put("seed", seed);
        }
        root.put("layers", map.historicLayerCount());
        root.put("image_layers", images);
        root.put("delta_layers", layers.size() - images);
        root.put("l0_deltas", l0s);
        root.put("min_lsn", min.toString());
        root.put("max_lsn", max.toString());
        root.put("build_cold_ms", coldMs);
        if (!Double.isNaN(warmMs)) {
            root.put("build_warm_ms", warmMs);
        }
        root.put("build_rounds", buildRounds);
        root.put("append_l0_flush_ms", appendL0Ms);
        root.put("threads", threads);
        root.put("seconds", seconds);
        root.put("warmup_seconds", warmupSeconds);
        root.put("verified_searches", verified);
        root.put("verified_range_searches", rangeVerified);
        root.put("verify_sampled", verified < queries.size());
        root.set("search", search.toJson());
        root.set("range_search", rangeSearch.toJson());
        JsonReport.putHost(root);
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }

    private void validate() {
        if (!(seconds > 0) || seconds > 600) {
            throw new ParameterException(spec.commandLine(), "invalid --seconds " + seconds + ": must be in (0, 600]");
        }
        if (!(warmupSeconds >= 0) || warmupSeconds > 600) {
            throw new ParameterException(spec.commandLine(), "invalid --warmup-seconds " + warmupSeconds
                    + ": must be in [0, 600]");
        }
        if (threads < 1 || threads > 256) {
            throw new ParameterException(spec.commandLine(), "invalid --threads " + threads + ": must be in [1, 256]");
        }
        if (verify < 0) {
            throw new ParameterException(spec.commandLine(), "invalid --verify " + verify + ": must be >= 0");
        }
        if (buildRounds < 0 || buildRounds > 100) {
            throw new ParameterException(spec.commandLine(), "invalid --build-rounds " + buildRounds
                    + ": must be in [0, 100]");
        }
        if (source.generate != null && (source.generate < 1 || source.generate > 10_000_000)) {
            throw new ParameterException(spec.commandLine(), "invalid --generate " + source.generate
                    + ": must be in [1, 10000000]");
        }
    }

    /** Neon's {@code build_layer_map}: every layer in one batch. */
    static LayerMap build(List<PersistentLayerDesc> layers) {
        BatchedUpdates updates = LayerMap.EMPTY.batchUpdate();
        layers.forEach(updates::insertHistoric);
        return updates.flush();
    }

    /** The cost of the common update: one new L0 above everything (median of 21 flushes from the same map). */
    private static double appendL0FlushMs(LayerMap map) {
        Lsn top = Lsn.INVALID;
        for (PersistentLayerDesc l : map.historicLayers()) {
            top = l.lsnEnd().compareTo(top) > 0 ? l.lsnEnd() : top;
        }
        PersistentLayerDesc l0 = new PersistentLayerDesc(new io.strata.engine.layer.DeltaLayerName(KeyRange.FULL,
                top, top.add(SyntheticLayers.L0_LSNS)), 0);
        double[] ms = new double[21];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            map.batchUpdate().insertHistoric(l0).flush();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        java.util.Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    /**
     * Neon's {@code uniform_query_pattern}: for each image layer, in map order, the key after its start at the
     * LSN just below it.
     */
    static List<Query> uniformQueryPattern(LayerMap map) {
        List<Query> out = new ArrayList<>();
        for (PersistentLayerDesc l : map.historicLayers()) {
            if (!l.isDelta()) {
                out.add(new Query(l.keyRange().start().next(), new Lsn(l.lsnStart().value() - 1)));
            }
        }
        return out;
    }

    /** For each image layer, its whole key range at the LSN just below it. */
    static List<RangeQuery> rangeQueryPattern(LayerMap map) {
        List<RangeQuery> out = new ArrayList<>();
        for (PersistentLayerDesc l : map.historicLayers()) {
            if (!l.isDelta()) {
                out.add(new RangeQuery(l.keyRange(), new Lsn(l.lsnStart().value() - 1)));
            }
        }
        return out;
    }

    /** Checks an even sample of at most --verify searches against the brute force; returns how many. */
    private int verify(LayerMap map, List<Query> queries, Progress progress) {
        int n = Math.min(verify, queries.size());
        if (n == 0) {
            return 0;
        }
        progress.line("checking " + n + " of " + queries.size() + " searches against a brute-force search");
        BruteForceSearch reference = new BruteForceSearch(map.historicLayers());
        for (int j = 0; j < n; j++) {
            Query q = queries.get((int) ((long) j * queries.size() / n));
            Optional<SearchResult> expected = reference.search(q.key(), q.endLsn());
            Optional<SearchResult> actual = map.search(q.key(), q.endLsn());
            if (!expected.equals(actual)) {
                throw new IllegalStateException("search " + q.key() + " below " + q.endLsn() + " answered " + actual
                        + " where the brute-force search answers " + expected);
            }
        }
        return n;
    }

    /**
     * Checks an even sample of range searches: each part of a result lies in the range, and searching its first
     * key alone gives the same answer. Returns how many.
     */
    private int verifyRanges(LayerMap map, List<RangeQuery> queries, Progress progress) {
        int n = Math.min(Math.max(verify / 10, Math.min(verify, 1)), queries.size());
        if (n == 0) {
            return 0;
        }
        progress.line("checking " + n + " of " + queries.size() + " range searches against single searches");
        for (int j = 0; j < n; j++) {
            RangeQuery q = queries.get((int) ((long) j * queries.size() / n));
            for (Map.Entry<SearchResult, KeySpace> e : map.rangeSearch(q.range(), q.endLsn()).entrySet()) {
                for (KeyRange part : e.getValue().ranges()) {
                    Optional<SearchResult> single = map.search(part.start(), q.endLsn());
                    if (!q.range().contains(part) || !single.equals(Optional.of(e.getKey()))) {
                        throw new IllegalStateException("range search " + q.range() + " below " + q.endLsn()
                                + " gave " + part + " to " + e.getKey() + " but a search of " + part.start()
                                + " answers " + single);
                    }
                }
            }
        }
        return n;
    }

    private static double averageEntries(LayerMap map, List<RangeQuery> queries, long[] entries, long[] calls) {
        for (RangeQuery q : queries) {
            entries[0] += map.rangeSearch(q.range(), q.endLsn()).size();
            calls[0]++;
        }
        return (double) entries[0] / calls[0];
    }

    /** One query of a pattern by index, returning something to keep it from being optimized away. */
    @FunctionalInterface
    interface Op {
        long run(int index);
    }

    /** Runs --warmup-seconds, then --seconds of queries on --threads threads, each walking the pattern. */
    private Timed time(String name, int patternSize, Op op, CpuClock cpu, Progress progress, double resultEntries)
            throws InterruptedException {
        AtomicLong sink = new AtomicLong();
        if (warmupSeconds > 0) {
            progress.line(name + ": warming up for " + warmupSeconds + " s");
            runThreads(patternSize, op, warmupSeconds, sink);
        }
        progress.line(name + ": measuring for " + seconds + " s on " + threads + " thread(s)");
        long cpu0 = cpu.processCpuNanos();
        long t0 = System.nanoTime();
        long ops = runThreads(patternSize, op, seconds, sink);
        double wall = (System.nanoTime() - t0) / 1e9;
        long cpu1 = cpu.processCpuNanos();
        double cpuSeconds = cpu0 < 0 || cpu1 < 0 ? Double.NaN : (cpu1 - cpu0) / 1e9;
        progress.line(String.format("  %s: %.0f ops/s (checksum %x)", name, ops / wall, sink.get()));
        return new Timed(name, patternSize, ops, wall, cpuSeconds, resultEntries);
    }

    private long runThreads(int patternSize, Op op, double runSeconds, AtomicLong sink) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (runSeconds * 1e9);
        long[] counts = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                long local = 0;
                long n = 0;
                int i = (int) ((long) id * patternSize / threads);
                do {
                    for (int k = 0; k < 64; k++) {
                        local += op.run(i);
                        if (++i == patternSize) {
                            i = 0;
                        }
                    }
                    n += 64;
                } while (System.nanoTime() < deadline);
                counts[id] = n;
                sink.addAndGet(local);
            }, "layer-map-" + t);
            workers.add(w);
            w.start();
        }
        long total = 0;
        for (int t = 0; t < threads; t++) {
            workers.get(t).join();
            total += counts[t];
        }
        return total;
    }
}
