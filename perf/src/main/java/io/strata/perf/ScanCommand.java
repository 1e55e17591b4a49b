package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.Page;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.key.TimelineId;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredReadPlanner;
import io.strata.engine.walredo.NeonWalRedo;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.Alignment;
import io.strata.io.file.IoEngine;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;

/**
 * {@code scan}: Neon's range scan, {@code Timeline.getVectored(KeySpace, Lsn)} over every page of getpage's timeline
 * in key order, against fio's sequential read of the image layer file and RocksDB's iterator over the same pages.
 */
@Command(name = "scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Builds (once, untimed) getpage's timeline: one image layer of --keys 8 KiB pages and --layers - 1 delta "
                    + "layers with new images of every --layers-th key. Each round: fio reads the image file "
                    + "sequentially (1 MiB, 4 in flight, O_DIRECT, io_uring), Strata reads every page at the top LSN "
                    + "with vectored reads of --batch-keys keys (--qd batches in flight), and with --peer rocksdb "
                    + "a RocksDB iterator walks the same pages (key || ~LSN, newest version at or below the LSN).",
            "MiB/s are page bytes returned per second. Prints a table, then the figures as one JSON object on the "
                    + "last line."})
final class ScanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "/var/tmp/strata-perf", paramLabel = "D",
            description = "Directory for the layer files, shared with getpage (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--keys", defaultValue = "65536", paramLabel = "N",
            description = "Pages, 8 KiB each (default: ${DEFAULT-VALUE} = 512 MiB).")
    int keys;

    @Option(names = "--layers", defaultValue = "4", paramLabel = "L",
            description = "Layers: one image layer and L - 1 delta layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--batch-keys", defaultValue = "1024", paramLabel = "N",
            description = "Keys per vectored read (default: ${DEFAULT-VALUE}).")
    int batchKeys;

    @Option(names = "--qd", defaultValue = "2", paramLabel = "N",
            description = "Vectored reads in flight (default: ${DEFAULT-VALUE}).")
    int qd;

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "R",
            description = "Rounds of fio, Strata and the peer; the table shows the median (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--cache-mib", defaultValue = "64", paramLabel = "MIB",
            description = "Block cache, Strata's and RocksDB's (default: ${DEFAULT-VALUE}).")
    int cacheMib;

    @Option(names = "--rings", defaultValue = "1", description = "io_uring rings (default: ${DEFAULT-VALUE}).")
    int rings;

    @Option(names = "--engine", defaultValue = "uring", converter = BenchEngineConverter.class,
            paramLabel = "ENGINE", description = "Strata engine: uring or filechannel (default: ${DEFAULT-VALUE}).")
    BenchEngine engine;

    @Option(names = "--no-fio", description = "Do not run fio, even when it is on PATH.")
    boolean noFio;

    @Option(names = "--peer", defaultValue = "none", paramLabel = "PEER",
            description = "Also scan the same pages on this peer: rocksdb or none (default: ${DEFAULT-VALUE}).")
    GetPageCommand.Peer peer;

    /** One pass: pages returned, their bytes, the time and the process CPU it took. */
    record Pass(long pages, long bytes, long nanos, long cpuNanos) {
        double mibPerSec() {
            return bytes / (double) Sizes.MIB / (nanos / 1e9);
        }

        double pagesPerSec() {
            return pages / (nanos / 1e9);
        }

        double cpuUsPerPage() {
            return cpuNanos < 0 ? Double.NaN : cpuNanos / 1e3 / pages;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (keys < layers || keys > 1 << 26 || layers < 1 || layers > 64) {
            throw new ParameterException(spec.commandLine(), "invalid --keys " + keys + " or --layers " + layers
                    + ": need 1 <= layers <= 64 and layers <= keys <= 2^26");
        }
        if (batchKeys < 1 || qd < 1 || rounds < 1 || cacheMib < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-keys, --qd, --rounds and --cache-mib must be >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Optional<FioRunner> fio = noFio ? Optional.empty() : FioRunner.locate();
        String fioVersion = fio.map(FioRunner::version).orElse(null);
        Files.createDirectories(dir);
        int alignment = Alignment.forDirectory(dir.toAbsolutePath());
        CpuClock cpu = new CpuClock();
        List<EngineResult> fioRuns = new ArrayList<>();
        List<Pass> strata = new ArrayList<>();
        List<Pass> rocksdb = new ArrayList<>();
        String engineDescription;
        long dataBytes;
        IoEngine io = engine.create(Math.max(64, 64 * qd), rings);
        try {
            engineDescription = io.describe();
            progress.line("engine " + engine.label() + ": " + engineDescription);
            AlignedBufferPool writePool = new AlignedBufferPool(LayerBench.WRITE_BUFFER,
                    LayerBench.WRITE_IN_FLIGHT + 2, alignment);
            // planned reads are at most 130 KiB, widened to 4 KiB alignment at both ends
            AlignedBufferPool readPool = new AlignedBufferPool(136 * 1024,
                    32 * qd * layers + 64, alignment);
            int cacheBlocks = (int) Math.max(64, (long) cacheMib * 1024 * 1024 / BlockCache.BLOCK_SIZE);
            BlockCache cache = new BlockCache(cacheBlocks, new AlignedBufferPool(BlockCache.BLOCK_SIZE, 256,
                    alignment));
            GetPageDataset data = new GetPageDataset(dir, keys, layers);
            List<PersistentLayerDesc> descs = data.ensure(io, cache, writePool, progress);
            dataBytes = descs.stream().mapToLong(PersistentLayerDesc::fileSize).sum();
            Timeline timeline = timeline(data, descs, io, cache, new VectoredBlobReader(readPool));
            try (RocksPeer rocks = peer == GetPageCommand.Peer.rocksdb
                    ? new RocksPageSet(data).open((long) cacheMib << 20, progress) : null) {
                progress.line("warming up: one untimed Strata pass");
                strataPass(timeline, data, cpu);
                for (int round = 1; round <= rounds; round++) {
                    if (fio.isPresent()) {
                        EngineResult f = fio.get().run(FioRunner.sequentialArguments("read", data.imageFile(), 0,
                                true), "read", FioRunner.SEQUENTIAL_QD, 0, 0);
                        fioRuns.add(f);
                        progress.line(String.format("round %d: fio seq read %.1f MiB/s", round, f.mibPerSec()));
                    }
                    Pass s = strataPass(timeline, data, cpu);
                    strata.add(s);
                    progress.line(String.format("round %d: strata %.1f MiB/s, %.0f pages/s, %.2f cpu us/page", round,
                            s.mibPerSec(), s.pagesPerSec(), s.cpuUsPerPage()));
                    if (rocks != null) {
                        Pass k = rocksPass(rocks, data, cpu);
                        rocksdb.add(k);
                        progress.line(String.format("round %d: rocksdb %.1f MiB/s, %.0f pages/s, %.2f cpu us/page",
                                round, k.mibPerSec(), k.pagesPerSec(), k.cpuUsPerPage()));
                    }
                }
            } finally {
                timeline.layers().persistent().values().forEach(l -> ((PersistentLayer) l).close().block());
            }
        } finally {
            io.close();
        }
        print(out, dataBytes, fioVersion, engineDescription, fioRuns, strata, rocksdb);
        return 0;
    }

    private Timeline timeline(GetPageDataset data, List<PersistentLayerDesc> descs, IoEngine io, BlockCache cache,
                              VectoredBlobReader blobs) {
        var update = LayerMap.EMPTY.batchUpdate();
        Map<LayerName, ReadableLayer> byName = new HashMap<>();
        for (PersistentLayerDesc d : descs) {
            update.insertHistoric(d);
            byName.put(d.name(), PersistentLayer.open(d, io, cache, data.path(d.name()), blobs,
                    VectoredReadPlanner.DEFAULT_MAX_READ_SIZE, false));
        }
        return new Timeline(TimelineId.generate(), Optional.empty(),
                new LayerSnapshot(update.flush(), byName, Map.of()), new NeonWalRedo(), ReadOptions.DEFAULT);
    }

    /** Every page at the top LSN, batch by batch in key order, each checked against its stamp. */
    private Pass strataPass(Timeline timeline, GetPageDataset data, CpuClock cpu) {
        Lsn lsn = data.readLsn();
        int batches = (keys + batchKeys - 1) / batchKeys;
        AtomicLong pages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long cpu0 = cpu.processCpuNanos();
        long t0 = System.nanoTime();
        Flux.range(0, batches)
                .flatMapSequential(b -> {
                    int from = b * batchKeys;
                    int to = Math.min(keys, from + batchKeys);
                    KeySpace ks = KeySpace.single(new KeyRange(GetPageDataset.key(from),
                            GetPageDataset.key(to - 1).next()));
                    return timeline.getVectored(ks, lsn);
                }, qd, 1)
                .doOnNext(p -> {
                    check(data, p, (int) pages.getAndIncrement());
                    bytes.addAndGet(p.bytes().length);
                })
                .then().block(Duration.ofMinutes(30));
        long nanos = System.nanoTime() - t0;
        long c = cpu0 < 0 ? -1 : cpu.processCpuNanos() - cpu0;
        if (pages.get() != keys) {
            throw new IllegalStateException("strata scan returned " + pages.get() + " pages, expected " + keys
                    + " (" + data.dir + ")");
        }
        return new Pass(pages.get(), bytes.get(), nanos, c);
    }

    private static void check(GetPageDataset data, Page p, int expected) {
        long want = GetPageDataset.stamp(expected, data.layerOf(expected));
        if (!p.key().equals(GetPageDataset.key(expected)) || GetPageDataset.stampOf(p.bytes()) != want) {
            throw new IllegalStateException("scan: page " + p.key() + " out of order or wrong: expected key "
                    + GetPageDataset.key(expected) + " stamp " + Long.toHexString(want) + ", got stamp "
                    + Long.toHexString(GetPageDataset.stampOf(p.bytes())));
        }
    }

    /**
     * The same pages through a RocksDB iterator: versions come newest first per key, so the first version at or
     * below the LSN is the page and the key's older versions are stepped over (RocksDB reads them too).
     */
    private Pass rocksPass(RocksPeer rocks, GetPageDataset data, CpuClock cpu) {
        Lsn lsn = data.readLsn();
        long pages = 0;
        long bytes = 0;
        long cpu0 = cpu.processCpuNanos();
        long t0 = System.nanoTime();
        byte[] last = null;
        try (org.rocksdb.ReadOptions ro = RocksPeer.scanReadOptions(); var it = rocks.iterator(ro)) {
            for (it.seek(RocksPeer.versionKey(GetPageDataset.key(0), lsn)); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (Long.compareUnsigned(RocksPeer.lsnOf(k), lsn.value()) > 0
                        || (last != null && RocksPeer.sameKey(last, k))) {
                    continue;
                }
                byte[] v = it.value();
                long want = GetPageDataset.stamp((int) pages, data.layerOf((int) pages));
                if (GetPageDataset.stampOf(v) != want) {
                    throw new IllegalStateException("rocksdb scan: page " + pages + " wrong: stamp "
                            + Long.toHexString(GetPageDataset.stampOf(v)) + ", expected " + Long.toHexString(want));
                }
                last = k;
                pages++;
                bytes += v.length;
            }
            it.status();
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException("rocksdb scan of " + rocks.dir() + " failed: " + e.getMessage(), e);
        }
        long nanos = System.nanoTime() - t0;
        if (pages != keys) {
            throw new IllegalStateException("rocksdb scan returned " + pages + " pages, expected " + keys);
        }
        return new Pass(pages, bytes, nanos, cpu0 < 0 ? -1 : cpu.processCpuNanos() - cpu0);
    }

    private static <T> T median(List<T> runs, java.util.function.ToDoubleFunction<T> by) {
        List<T> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(by));
        return sorted.get(sorted.size() / 2);
    }

    private void print(PrintWriter out, long dataBytes, String fioVersion, String engineDescription,
                       List<EngineResult> fioRuns, List<Pass> strata, List<Pass> rocksdb) {
        EngineResult f = fioRuns.isEmpty() ? null : median(fioRuns, EngineResult::mibPerSec);
        Pass s = median(strata, Pass::mibPerSec);
        Pass k = rocksdb.isEmpty() ? null : median(rocksdb, Pass::mibPerSec);
        double fioMib = f == null ? Double.NaN : f.mibPerSec();
        out.println("scan: " + keys + " pages of 8 KiB in " + layers + " layers (" + dataBytes / Sizes.MIB
                + " MiB of files), vectored reads of " + batchKeys + " keys, " + qd + " in flight, block cache "
                + cacheMib + " MiB; median of " + rounds);
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("fio seq read (image file)", ResultTable.num(fioMib, 1), "-", "-",
                ResultTable.num(fioMib / fioMib, 3), "-"));
        rows.add(row("strata getVectored", s, fioMib, s));
        if (k != null) {
            rows.add(row("rocksdb iterator", k, fioMib, s));
        }
        ResultTable.printRows(out, List.of("engine", "MiB/s", "pages/s", "cpu us/page", "vs fio", "strata/x"), rows,
                Set.of("engine"));
        ObjectNode root = JsonReport.object();
        root.put("benchmark", "scan");
        root.put("keys", keys);
        root.put("layers", layers);
        root.put("page_bytes", GetPageDataset.PAGE);
        root.put("file_bytes", dataBytes);
        root.put("batch_keys", batchKeys);
        root.put("qd", qd);
        root.put("rounds", rounds);
        root.put("cache_mib", cacheMib);
        root.put("engine", engineDescription);
        if (fioVersion == null) {
            root.putNull("fio");
        } else {
            root.put("fio", fioVersion);
        }
        JsonReport.putHost(root);
        EngineResult.put(root, "fio_mib_per_s", fioMib, 2);
        EngineResult.put(root, "mib_per_s", s.mibPerSec(), 2);
        EngineResult.put(root, "pages_per_s", s.pagesPerSec(), 1);
        EngineResult.put(root, "cpu_us_per_page", s.cpuUsPerPage(), 3);
        EngineResult.put(root, "ratio_vs_fio", s.mibPerSec() / fioMib, 4);
        ArrayNode all = root.putArray("rounds_mib_per_s");
        strata.forEach(p -> all.add(Math.round(p.mibPerSec() * 10) / 10.0));
        if (k == null) {
            root.putNull("rocksdb");
        } else {
            ObjectNode r = root.putObject("rocksdb");
            RocksPeer.describe(r, (long) cacheMib << 20);
            EngineResult.put(r, "mib_per_s", k.mibPerSec(), 2);
            EngineResult.put(r, "pages_per_s", k.pagesPerSec(), 1);
            EngineResult.put(r, "cpu_us_per_page", k.cpuUsPerPage(), 3);
            EngineResult.put(r, "ratio_vs_fio", k.mibPerSec() / fioMib, 4);
            EngineResult.put(root, "ratio_vs_rocksdb", s.mibPerSec() / k.mibPerSec(), 4);
        }
        out.println(JsonReport.write(root));
        out.flush();
    }

    private static List<String> row(String name, Pass p, double fioMib, Pass strata) {
        return List.of(name, ResultTable.num(p.mibPerSec(), 1), ResultTable.num(p.pagesPerSec(), 0),
                ResultTable.num(p.cpuUsPerPage(), 2), ResultTable.num(p.mibPerSec() / fioMib, 3),
                ResultTable.num(strata.mibPerSec() / p.mibPerSec(), 3));
    }
}
