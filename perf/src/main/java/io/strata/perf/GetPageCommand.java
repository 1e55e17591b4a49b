package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.blob.BlobCompression;
import io.strata.engine.blob.BlobHeader;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.read.ReadStats;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredReadPlanner;
import io.strata.engine.walredo.NeonWalRedo;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.Alignment;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code getpage}: random single-page gets at the latest LSN through the whole read path (layer map, fringe, index
 * lookups through the block cache, one 8 KiB value read, reconstruction), closed loop at fixed queue depths,
 * against fio's random 8 KiB reads of the same image layer file in the same run; then the same gets with every
 * block in the cache, as gets per second per core.
 */
@Command(name = "getpage", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Builds (once, untimed) a timeline of one image layer of --keys 8 KiB pages and --layers - 1 delta "
                    + "layers stacked above it, each holding new images of every --layers-th key, so a get visits "
                    + "up to --layers layers and reads one value. Then, per queue depth: fio randread 8k on the "
                    + "image file, and Strata's gets with a block cache of --cache-mib (index blocks only fit). "
                    + "Then the cached run: a second timeline of --cached-keys pages with values read through a "
                    + "cache that holds everything.",
            "Prints tables, then the figures as one JSON object on the last line."})
final class GetPageCommand implements Callable<Integer> {
    /** Uncached gets/s over fio's IOPS wanted at these queue depths. */
    static final double TARGET = 0.9;
    static final List<Integer> TARGET_QDS = List.of(32, 128);

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "/var/tmp/strata-perf", paramLabel = "D",
            description = "Directory for the layer files (kept for later runs) (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--keys", defaultValue = "262144", paramLabel = "N",
            description = "Pages in the uncached timeline, 8 KiB each (default: ${DEFAULT-VALUE} = 2 GiB).")
    int keys;

    @Option(names = "--layers", defaultValue = "4", paramLabel = "L",
            description = "Layers: one image layer and L - 1 delta layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--qd", split = ",", defaultValue = "1,8,32,128", converter = QueueDepthConverter.class,
            paramLabel = "QD", description = "Queue depths: gets in flight (default: ${DEFAULT-VALUE}).")
    List<Integer> qds = new ArrayList<>();

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "1", description = "Warm-up seconds per run (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--jit-warmup", defaultValue = "15", paramLabel = "S",
            description = "Untimed seconds of gets at the deepest queue depth before the first measured run, so "
                    + "the JIT has compiled the read path (default: ${DEFAULT-VALUE}).")
    int jitWarmup;

    @Option(names = "--rounds", defaultValue = "1", description = "fio + Strata pairs per queue depth; the table "
            + "shows the median Strata/fio ratio's round (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--cache-mib", defaultValue = "64", paramLabel = "MIB",
            description = "Block cache of the uncached run (index blocks) (default: ${DEFAULT-VALUE}).")
    int cacheMib;

    @Option(names = "--cached-keys", defaultValue = "32768", paramLabel = "N",
            description = "Pages of the cached run (all in the cache); 0 skips it (default: ${DEFAULT-VALUE}).")
    int cachedKeys;

    @Option(names = "--rings", defaultValue = "0", description = "io_uring rings; 0 is the engine's default, one "
            + "per core: each ring's loop thread runs the read path of the gets it completes, so one ring caps the "
            + "gets at one core's worth (default: ${DEFAULT-VALUE}).")
    int rings;

    @Option(names = "--poll-micros", defaultValue = "0", paramLabel = "US",
            description = "io_uring poll mode: each ring's loop polls instead of sleeping for this many us after "
                    + "its last submission or completion while reads are in flight (IoConfig.pollMicros; the "
                    + "loops spin, so CPU per get rises); 0 sleeps at once, the engine's default "
                    + "(default: ${DEFAULT-VALUE}).")
    int pollMicros;

    @Option(names = "--engine", defaultValue = "uring", converter = BenchEngineConverter.class,
            paramLabel = "ENGINE", description = "Strata engine: uring or filechannel (default: ${DEFAULT-VALUE}).")
    BenchEngine engine;

    @Option(names = "--no-fio", description = "Do not run fio, even when it is on PATH.")
    boolean noFio;

    @Option(names = "--general-path", description = "Read every get through the general vectored path, not the "
            + "point-get fast path (to compare the two).")
    boolean generalPath;

    @Option(names = "--peer", defaultValue = "none", paramLabel = "PEER",
            description = "Also run the uncached gets on this peer, same pages and cache size: rocksdb or none "
                    + "(default: ${DEFAULT-VALUE}).")
    Peer peer;

    /** The engine compared beside Strata. */
    enum Peer { none, rocksdb }

    /** One queue depth of the uncached run: Strata's round results and fio's, paired by round. */
    private record Row(int qd, List<GetPageLoop.Result> strata, List<EngineResult> fio, List<EngineResult> fioShape,
                       List<Double> layersPerGet, List<GetPageLoop.Result> rocksdb) {
        int median() {
            if (fio.isEmpty()) {
                return strata.size() / 2;
            }
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < strata.size(); i++) {
                idx.add(i);
            }
            idx.sort((a, b) -> Double.compare(ratio(a), ratio(b)));
            return idx.get(idx.size() / 2);
        }

        double ratio(int round) {
            return fio.isEmpty() ? Double.NaN : strata.get(round).getsPerSec() / fio.get(round).iops();
        }

        /** Strata over fio reading what a get reads (the value's shape), or NaN without it. */
        double shapeRatio(int round) {
            return fioShape.isEmpty() ? Double.NaN : strata.get(round).getsPerSec() / fioShape.get(round).iops();
        }

        double rocksdbGets(int round) {
            return rocksdb.isEmpty() ? Double.NaN : rocksdb.get(round).getsPerSec();
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Optional<FioRunner> fio = noFio ? Optional.empty() : FioRunner.locate();
        String fioVersion = fio.map(FioRunner::version).orElse(null);
        if (!noFio) {
            progress.line(fio.isPresent() ? "comparing with " + fioVersion : "fio is not on PATH: Strata only");
        }
        Files.createDirectories(dir);
        int alignment = Alignment.forDirectory(dir.toAbsolutePath());
        int maxQd = Collections.max(qds);
        CpuClock cpu = new CpuClock();
        List<Row> rows = new ArrayList<>();
        List<GetPageLoop.Result> cached = new ArrayList<>();
        String engineDescription;
        if (rings < 0) {
            throw new ParameterException(spec.commandLine(), "invalid --rings " + rings + ": must be >= 0");
        }
        if (rings == 0) {
            rings = Runtime.getRuntime().availableProcessors();
        }
        // Reads at the device's grain, as the engine's data directory would (IoConfig.alignedFor).
        int readAlignment = Math.min(Alignment.MIN, IoConfig.defaults().alignedFor(dir.toAbsolutePath())
                .readAlignment());
        IoEngine io = engine.create(Math.max(64, 2 * maxQd), rings, readAlignment, pollMicros);
        // The grain a get's value read has: the FileChannel engine reads whole 4 KiB blocks.
        int valueAlignment = engine == BenchEngine.URING ? readAlignment : Alignment.MIN;
        try {
            engineDescription = io.describe();
            progress.line("engine " + engine.label() + ": " + engineDescription);
            AlignedBufferPool writePool = new AlignedBufferPool(LayerBench.WRITE_BUFFER,
                    LayerBench.WRITE_IN_FLIGHT + 2, alignment);
            AlignedBufferPool readPool = new AlignedBufferPool(16 * 1024, 2 * maxQd + 64, alignment);
            io.adviseHugePages(readPool).block(); // as the engine does for its own pools
            int cacheBlocks = (int) Math.max(64, (long) cacheMib * 1024 * 1024 / BlockCache.BLOCK_SIZE);
            BlockCache cache = new BlockCache(cacheBlocks, new AlignedBufferPool(BlockCache.BLOCK_SIZE, 256,
                    alignment));
            GetPageDataset data = new GetPageDataset(dir, keys, layers);
            List<PersistentLayerDesc> descs = data.ensure(io, cache, writePool, progress);
            long dataBytes = descs.stream().mapToLong(PersistentLayerDesc::fileSize).sum();
            progress.line(String.format("uncached timeline: %d layers, %.1f MiB, block cache %d MiB", descs.size(),
                    dataBytes / (double) Sizes.MIB, cacheMib));
            ReadStats stats = new ReadStats();
            Timeline timeline = timeline(data, descs, io, cache, new VectoredBlobReader(readPool), false, stats);
            RocksPeer rocks = peer == Peer.rocksdb ? new RocksPageSet(data).open((long) cacheMib << 20, progress) : null;
            try {
                Path imageFile = data.imageFile();
                long imageBytes = Files.size(imageFile);
                if (jitWarmup > 0) {
                    progress.line("warming up the JIT: " + jitWarmup + " s of gets at qd " + maxQd + " (untimed)");
                    new GetPageLoop(timeline, data, keys).run(maxQd, 0, TimeUnit.SECONDS.toNanos(jitWarmup), 1, cpu);
                }
                for (int qd : qds) {
                    Row row = new Row(qd, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                            new ArrayList<>());
                    for (int round = 1; round <= rounds; round++) {
                        String of = rounds > 1 ? " (round " + round + " of " + rounds + ")" : "";
                        if (fio.isPresent()) {
                            progress.line("qd " + qd + ": fio randread 8k on " + imageFile + of);
                            EngineResult f = fio.get().run(FioRunner.arguments("randread", imageFile,
                                    imageBytes / 8192 * 8192, 8192, qd, seconds, warmup), "read", qd, seconds, warmup);
                            row.fio.add(f);
                            progress.line(String.format("  fio: %.0f IOPS", f.iops()));
                            EngineResult g = fio.get().run(valueShapeArguments(imageFile, imageBytes, qd,
                                    valueAlignment), "read", qd, seconds, warmup);
                            row.fioShape.add(g);
                            progress.line(String.format("  fio, %d-byte reads at %d-byte offsets (what a get reads): "
                                    + "%.0f IOPS", valueReadBytes(valueAlignment), valueAlignment, g.iops()));
                        }
                        long before = stats.snapshot().layersVisited().count();
                        double layersBefore = stats.snapshot().layersVisited().mean() * before;
                        GetPageLoop.Result r = new GetPageLoop(timeline, data, keys).run(qd,
                                TimeUnit.SECONDS.toNanos(warmup), TimeUnit.SECONDS.toNanos(seconds), 17L * round + qd, cpu);
                        ReadStats.Snapshot after = stats.snapshot();
                        long n = after.layersVisited().count() - before;
                        row.layersPerGet.add(n == 0 ? Double.NaN
                                : (after.layersVisited().mean() * after.layersVisited().count() - layersBefore) / n);
                        row.strata.add(r);
                        progress.line(String.format("  strata qd %d: %.0f gets/s, p50 %.1f us, p99 %.1f us, cpu %.2f us/get",
                                qd, r.getsPerSec(), r.p50Us(), r.p99Us(), r.cpuUsPerGet()));
                        if (rocks != null) {
                            GetPageLoop.Result k = new RocksGetLoop(rocks, data, keys).run(qd,
                                    TimeUnit.SECONDS.toNanos(warmup), TimeUnit.SECONDS.toNanos(seconds), 17L * round + qd,
                                    cpu);
                            row.rocksdb.add(k);
                            progress.line(String.format("  rocksdb qd %d: %.0f gets/s, p50 %.1f us, p99 %.1f us, "
                                    + "cpu %.2f us/get", qd, k.getsPerSec(), k.p50Us(), k.p99Us(), k.cpuUsPerGet()));
                        }
                    }
                    rows.add(row);
                }
            } finally {
                if (rocks != null) {
                    rocks.close();
                }
            }
            timeline.layers().persistent().values().forEach(l -> ((PersistentLayer) l).close().block());
            if (cachedKeys > 0) {
                cached = cachedRun(io, writePool, readPool, alignment, cpu, progress);
            }
        } finally {
            io.close();
        }
        print(out, rows, cached, fioVersion, engineDescription, valueReadBytes(valueAlignment));
        return 0;
    }

    private void validate() {
        if (keys < layers || keys > 1 << 26) {
            throw new ParameterException(spec.commandLine(), "invalid --keys " + keys + ": must be in [--layers, 2^26]");
        }
        if (layers < 1 || layers > 64) {
            throw new ParameterException(spec.commandLine(), "invalid --layers " + layers + ": must be in [1, 64]");
        }
        if (seconds < 1 || warmup < 0 || rounds < 1) {
            throw new ParameterException(spec.commandLine(), "--seconds and --rounds must be >= 1, --warmup >= 0");
        }
        if (pollMicros < 0 || pollMicros > IoConfig.MAX_POLL_MICROS) {
            throw new ParameterException(spec.commandLine(), "invalid --poll-micros " + pollMicros + ": must be in [0, "
                    + IoConfig.MAX_POLL_MICROS + "]");
        }
        if (cacheMib < 1 || cachedKeys < 0 || (cachedKeys > 0 && cachedKeys < layers)) {
            throw new ParameterException(spec.commandLine(), "invalid --cache-mib or --cached-keys");
        }
    }

    /**
     * Bytes a get reads from disk for one uncached value: the 8 KiB page behind its 4-byte blob header, widened to
     * the read alignment. Values lie back to back (FORMAT.md, no padding), so at the 512-byte grain almost every
     * read is 8.5 KiB (9 KiB when the header sits in a sector's last 3 bytes); at 4 KiB it is 12 KiB.
     */
    static int valueReadBytes(int readAlignment) {
        int blob = BlobHeader.of(GetPageDataset.PAGE, BlobCompression.UNCOMPRESSED).totalLen();
        return (blob + readAlignment - 1) / readAlignment * readAlignment;
    }

    /**
     * fio's random reads in the shape of a get's value read ({@link #valueReadBytes}, at read-aligned offsets), beside
     * the 8 KiB yardstick: what the disk gives for the reads the layer format implies.
     */
    private List<String> valueShapeArguments(Path file, long fileBytes, int qd, int readAlignment) {
        List<String> a = new ArrayList<>(FioRunner.arguments("randread", file, fileBytes / 8192 * 8192,
                valueReadBytes(readAlignment), qd, seconds, warmup));
        a.add("--blockalign=" + readAlignment);
        return a;
    }

    private Timeline timeline(GetPageDataset data, List<PersistentLayerDesc> descs, IoEngine io, BlockCache cache,
                              VectoredBlobReader blobs, boolean cacheValues, ReadStats stats) {
        var update = LayerMap.EMPTY.batchUpdate();
        Map<LayerName, ReadableLayer> byName = new HashMap<>();
        for (PersistentLayerDesc d : descs) {
            update.insertHistoric(d);
            byName.put(d.name(), PersistentLayer.open(d, io, cache, data.path(d.name()), blobs,
                    VectoredReadPlanner.DEFAULT_MAX_READ_SIZE, cacheValues));
        }
        return new Timeline(TimelineId.generate(), Optional.empty(),
                new LayerSnapshot(update.flush(), byName, Map.of()), new NeonWalRedo(),
                ReadOptions.DEFAULT.withMetrics(stats).withPointFastPath(!generalPath));
    }

    /** {@code v} to 4 decimals, or null when it is NaN (no fio). */
    private static void addRounded(ArrayNode a, double v) {
        if (Double.isNaN(v)) {
            a.addNull();
        } else {
            a.add(Math.round(v * 10000) / 10000.0);
        }
    }

    /** Everything in the cache: gets/s and gets per CPU-second, per queue depth. */
    private List<GetPageLoop.Result> cachedRun(IoEngine io, AlignedBufferPool writePool, AlignedBufferPool readPool,
                                               int alignment, CpuClock cpu, Progress progress) throws Exception {
        GetPageDataset data = new GetPageDataset(dir, cachedKeys, layers);
        BlockCache loadCache = new BlockCache(64, new AlignedBufferPool(BlockCache.BLOCK_SIZE, 64, alignment));
        List<PersistentLayerDesc> descs = data.ensure(io, loadCache, writePool, progress);
        long blocks = 0;
        for (PersistentLayerDesc d : descs) {
            blocks += (d.fileSize() + BlockCache.BLOCK_SIZE - 1) / BlockCache.BLOCK_SIZE;
        }
        BlockCache cache = new BlockCache((int) (blocks + 1024), new AlignedBufferPool(BlockCache.BLOCK_SIZE, 256,
                alignment));
        Timeline timeline = timeline(data, descs, io, cache, new VectoredBlobReader(readPool), true, new ReadStats());
        progress.line("cached timeline: " + cachedKeys + " pages, " + blocks + " blocks: warming the cache");
        timeline.getVectored(KeySpace.single(data.keyRange()), data.readLsn()).then().block(Duration.ofMinutes(10));
        List<GetPageLoop.Result> out = new ArrayList<>();
        for (int qd : qds) {
            GetPageLoop.Result r = new GetPageLoop(timeline, data, cachedKeys).run(qd,
                    TimeUnit.SECONDS.toNanos(warmup), TimeUnit.SECONDS.toNanos(seconds), 99L + qd, cpu);
            out.add(r);
            progress.line(String.format("  cached qd %d: %.0f gets/s, %.0f gets/s per core, p50 %.1f us", qd,
                    r.getsPerSec(), r.getsPerCoreSec(), r.p50Us()));
        }
        BlockCache.Stats s = cache.stats();
        progress.line("  cache: " + s.hits() + " hits, " + s.misses() + " misses during the cached run");
        timeline.layers().persistent().values().forEach(l -> ((PersistentLayer) l).close().block());
        return out;
    }

    private void print(PrintWriter out, List<Row> rows, List<GetPageLoop.Result> cached, String fioVersion,
                       String engineDescription, int valueReadBytes) {
        out.println("getpage: " + keys + " keys of 8 KiB in " + layers + " layers (1 image + " + (layers - 1)
                + " deltas), block cache " + cacheMib + " MiB (uncached)");
        boolean withPeer = peer == Peer.rocksdb;
        out.printf("%5s %12s %12s %8s %12s %8s %10s %10s %10s %10s", "qd", "fio IOPS", "gets/s", "ratio",
                "fio " + valueReadBytes + "B", "vs it", "p50 us", "p99 us", "cpu us/get", "layers/get");
        out.printf(withPeer ? " %12s %10s %10s %10s%n" : "%n", "rocksdb/s", "rdb p50 us", "rdb cpu us", "vs rocksdb");
        for (Row row : rows) {
            int m = row.median();
            GetPageLoop.Result r = row.strata.get(m);
            double f = row.fio.isEmpty() ? Double.NaN : row.fio.get(m).iops();
            double g = row.fioShape.isEmpty() ? Double.NaN : row.fioShape.get(m).iops();
            out.printf("%5d %12.0f %12.0f %8.3f %12.0f %8.3f %10.1f %10.1f %10.2f %10.2f", row.qd, f, r.getsPerSec(),
                    row.ratio(m), g, row.shapeRatio(m), r.p50Us(), r.p99Us(), r.cpuUsPerGet(),
                    row.layersPerGet.get(m));
            if (withPeer) {
                GetPageLoop.Result k = row.rocksdb.get(m);
                out.printf(" %12.0f %10.1f %10.2f %10.3f", k.getsPerSec(), k.p50Us(), k.cpuUsPerGet(),
                        r.getsPerSec() / k.getsPerSec());
            }
            out.println();
        }
        StringBuilder verdict = new StringBuilder();
        for (Row row : rows) {
            if (TARGET_QDS.contains(row.qd) && !row.fio.isEmpty()) {
                double ratio = row.ratio(row.median());
                verdict.append(verdict.length() == 0 ? "" : "; ").append("qd ").append(row.qd).append(' ')
                        .append(String.format("%.3f %s", ratio, ratio >= TARGET ? "met" : "NOT met"));
            }
        }
        if (verdict.length() > 0) {
            out.println("target: uncached gets/s >= " + TARGET + " x fio randread 8k IOPS at qd 32 and 128: " + verdict);
        }
        if (!cached.isEmpty()) {
            out.println("cached: " + cachedKeys + " keys, every block in the cache");
            out.printf("%5s %12s %14s %10s %10s%n", "qd", "gets/s", "gets/s/core", "p50 us", "p99 us");
            for (GetPageLoop.Result r : cached) {
                out.printf("%5d %12.0f %14.0f %10.1f %10.1f%n", r.qd(), r.getsPerSec(), r.getsPerCoreSec(),
                        r.p50Us(), r.p99Us());
            }
        }
        ObjectNode root = JsonReport.object();
        root.put("benchmark", "getpage");
        root.put("keys", keys);
        root.put("layers", layers);
        root.put("page_bytes", GetPageDataset.PAGE);
        root.put("seconds", seconds);
        root.put("warmup_seconds", warmup);
        root.put("rounds", rounds);
        root.put("jit_warmup_seconds", jitWarmup);
        root.put("cache_mib", cacheMib);
        root.put("engine", engineDescription);
        root.put("uring_rings", rings);
        root.put("poll_micros", pollMicros);
        root.put("value_read_bytes", valueReadBytes);
        root.put("point_fast_path", !generalPath);
        if (fioVersion == null) {
            root.putNull("fio");
        } else {
            root.put("fio", fioVersion);
        }
        ObjectNode target = root.putObject("target");
        target.put("min_gets_vs_fio_iops", TARGET);
        ArrayNode qdsNode = target.putArray("qds");
        TARGET_QDS.forEach(qdsNode::add);
        JsonReport.putHost(root);
        if (peer == Peer.rocksdb) {
            RocksPeer.describe(root.putObject("rocksdb"), (long) cacheMib << 20);
        } else {
            root.putNull("rocksdb");
        }
        ArrayNode un = root.putArray("uncached");
        for (Row row : rows) {
            int m = row.median();
            GetPageLoop.Result r = row.strata.get(m);
            ObjectNode n = un.addObject();
            n.put("qd", row.qd);
            EngineResult.put(n, "fio_iops", row.fio.isEmpty() ? Double.NaN : row.fio.get(m).iops(), 1);
            EngineResult.put(n, "gets_per_s", r.getsPerSec(), 1);
            EngineResult.put(n, "ratio_vs_fio", row.ratio(m), 4);
            EngineResult.put(n, "fio_value_shape_iops", row.fioShape.isEmpty() ? Double.NaN
                    : row.fioShape.get(m).iops(), 1);
            EngineResult.put(n, "ratio_vs_fio_value_shape", row.shapeRatio(m), 4);
            EngineResult.put(n, "lat_p50_us", r.p50Us(), 2);
            EngineResult.put(n, "lat_p99_us", r.p99Us(), 2);
            EngineResult.put(n, "lat_p99_9_us", r.p999Us(), 2);
            EngineResult.put(n, "cpu_us_per_get", r.cpuUsPerGet(), 3);
            EngineResult.put(n, "layers_per_get", row.layersPerGet.get(m), 3);
            if (!row.rocksdb.isEmpty()) {
                GetPageLoop.Result k = row.rocksdb.get(m);
                EngineResult.put(n, "rocksdb_gets_per_s", k.getsPerSec(), 1);
                EngineResult.put(n, "rocksdb_lat_p50_us", k.p50Us(), 2);
                EngineResult.put(n, "rocksdb_lat_p99_us", k.p99Us(), 2);
                EngineResult.put(n, "rocksdb_cpu_us_per_get", k.cpuUsPerGet(), 3);
                EngineResult.put(n, "rocksdb_ratio_vs_fio", row.fio.isEmpty() ? Double.NaN
                        : k.getsPerSec() / row.fio.get(m).iops(), 4);
                EngineResult.put(n, "ratio_vs_rocksdb", r.getsPerSec() / k.getsPerSec(), 4);
            }
            ArrayNode all = n.putArray("round_ratios");
            ArrayNode shape = n.putArray("round_ratios_vs_fio_value_shape");
            for (int i = 0; i < row.strata.size(); i++) {
                addRounded(all, row.ratio(i));
                addRounded(shape, row.shapeRatio(i));
            }
        }
        ArrayNode c = root.putArray("cached");
        for (GetPageLoop.Result r : cached) {
            ObjectNode n = c.addObject();
            n.put("qd", r.qd());
            EngineResult.put(n, "gets_per_s", r.getsPerSec(), 1);
            EngineResult.put(n, "gets_per_s_per_core", r.getsPerCoreSec(), 1);
            EngineResult.put(n, "lat_p50_us", r.p50Us(), 2);
            EngineResult.put(n, "lat_p99_us", r.p99Us(), 2);
        }
        out.println(JsonReport.write(root));
        out.flush();
    }
}
