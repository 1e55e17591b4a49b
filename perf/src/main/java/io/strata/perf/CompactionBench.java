package io.strata.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineConfig;
import io.strata.engine.value.Value;
import io.strata.io.file.Alignment;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import reactor.core.publisher.Flux;

/** The input of the compaction benchmarks: page images at random keys, flushed into L0 layers of equal size. */
final class CompactionBench {
    private CompactionBench() {
    }

    /** Bytes fio reads at least (looping over the layer file) for the sequential read limit. */
    static final long FIO_READ_BYTES = 1L << 30;

    /**
     * fio's limits in the same run (or none): a sequential read of a layer file, a sequential write of as many bytes,
     * and the two at once ({@code copyRead}, {@code copyWrite}: what the device gives a job that reads and writes
     * together, as a compaction does).
     */
    record FioLimits(Optional<EngineResult> read, Optional<EngineResult> write, Optional<EngineResult> copyRead,
                     Optional<EngineResult> copyWrite) {
        static final FioLimits NONE = new FioLimits(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** {@code dir/name}, emptied: the engine's data directory of one run. */
    static Path freshDirectory(Path dir, String name) throws IOException {
        Path data = dir.toAbsolutePath().resolve(name);
        deleteRecursively(data);
        Files.createDirectories(data);
        return data;
    }

    /**
     * The engine of the compaction benchmarks: no background compaction (the benchmark runs it), L0 layers of
     * {@code checkpointDistance}, no L0 backpressure, the O_DIRECT alignment of {@code data}'s file system.
     */
    static EngineConfig engineConfig(Path data, long checkpointDistance, int compactionThreshold) {
        EngineConfig config = EngineConfig.defaults()
                .withCompaction(CompactionConfig.defaults().withEnabled(false))
                .withTimeline(TimelineConfig.defaults().withCheckpointDistance(checkpointDistance)
                        .withCheckpointTimeout(Duration.ofHours(1)).withCompactionThreshold(compactionThreshold)
                        .withL0FlushThresholds(0, 0));
        return config.withIo(config.io().withAlignment(Math.max(Alignment.forDirectory(data),
                config.io().alignment())));
    }

    /**
     * Runs fio (unless {@code skip} or fio is missing) over {@code layer}, one of the run's layer files, read in place
     * ({@code --readonly}) and looped to at least {@link #FIO_READ_BYTES}, and a write of {@code writeBytes} (at most
     * 1 GiB) in {@code data}, removed afterwards, then the two together. The read is of the file itself, not of a fresh copy: a copy's
     * writeback competed with fio's reads and gave it half the device's speed (a flattering yardstick).
     */
    static FioLimits fio(boolean skip, Timeline t, PersistentLayerDesc layer, long writeBytes, Path data,
                         Progress progress) throws IOException, InterruptedException {
        Optional<FioRunner> fio = skip ? Optional.empty() : FioRunner.locate();
        if (fio.isEmpty()) {
            return FioLimits.NONE;
        }
        Path layerFile = t.writeContext().finalPath(layer.name());
        Path writeFile = data.resolve("fio-write");
        try {
            long fileBytes = Files.size(layerFile);
            int loops = (int) Math.max(1, Math.min(64, (FIO_READ_BYTES + fileBytes - 1) / Math.max(1, fileBytes)));
            List<String> args = new ArrayList<>(FioRunner.sequentialArguments("read", layerFile, 0, true));
            args.add("--loops=" + loops);
            progress.line("fio: sequential read of " + Sizes.format(fileBytes) + " x " + loops);
            EngineResult read = fio.get().run(args, "read", FioRunner.SEQUENTIAL_QD, 0, 0);
            long size = Math.min(Math.max(writeBytes, 1 << 20), 1L << 30);
            progress.line("fio: sequential write of " + Sizes.format(size));
            EngineResult write = fio.get().run(FioRunner.sequentialArguments("write", writeFile, size, false),
                    "write", FioRunner.SEQUENTIAL_QD, 0, 0);
            Files.deleteIfExists(writeFile);
            // both jobs at once; no --readonly, which would forbid the write job too
            List<String> copy = new ArrayList<>(FioRunner.sequentialArguments("read", layerFile, 0, false));
            copy.add("--loops=" + loops);
            copy.addAll(FioRunner.sequentialArguments("write", writeFile, size, false));
            progress.line("fio: both at once (the copy limit)");
            List<EngineResult> both = fio.get().runJobs(copy, List.of("read", "write"), FioRunner.SEQUENTIAL_QD, 0,
                    0);
            return new FioLimits(Optional.of(read), Optional.of(write), Optional.of(both.get(0)),
                    Optional.of(both.get(1)));
        } finally {
            Files.deleteIfExists(writeFile);
        }
    }

    /** Seconds fio runs the L0 compaction's own I/O shape. */
    static final int SHAPE_SECONDS = 5;

    /**
     * fio doing what the L0 compaction does to the device, at once: reads of 256 KiB, two in flight per input layer
     * (the merge's {@code Level0Compaction.Options.ITERATOR}), round robin over the layer files {@code layers} (the
     * run's L1 files, each read sequentially: interleaved sequential streams, as the merge's), and a write of 256 KiB
     * with 32 in flight (the layer writer's) to a fresh preallocated file in {@code data}, removed afterwards. The
     * device's own rate for the compaction's access pattern: [read, write], or empty when fio is skipped or missing.
     */
    static Optional<List<EngineResult>> fioL0Shape(boolean skip, Timeline t, List<PersistentLayerDesc> layers,
                                                   int inputLayers, long writeBytes, Path data, Progress progress)
            throws IOException, InterruptedException {
        Optional<FioRunner> fio = skip || layers.isEmpty() ? Optional.empty() : FioRunner.locate();
        if (fio.isEmpty()) {
            return Optional.empty();
        }
        Path writeFile = data.resolve("fio-shape-write");
        try {
            StringBuilder files = new StringBuilder();
            for (PersistentLayerDesc l : layers) {
                if (!files.isEmpty()) {
                    files.append(':');
                }
                // fio separates file names with ':'; a path has none here (hex names, '-' and '_' only)
                files.append(t.writeContext().finalPath(l.name()));
            }
            int readQd = 2 * Math.max(1, inputLayers);
            List<String> a = new ArrayList<>(List.of("--name=shaperead", "--filename=" + files,
                    "--file_service_type=roundrobin", "--rw=read", "--bs=256k", "--iodepth=" + readQd, "--direct=1",
                    "--ioengine=io_uring", "--time_based", "--runtime=" + SHAPE_SECONDS, "--numjobs=1",
                    "--percentile_list=50:99:99.9", "--output-format=json"));
            a.addAll(List.of("--name=shapewrite", "--filename=" + writeFile, "--rw=write", "--bs=256k",
                    "--iodepth=32", "--direct=1", "--ioengine=io_uring", "--time_based", "--runtime=" + SHAPE_SECONDS,
                    "--size=" + Math.min(Math.max(writeBytes, 1 << 20), 4L << 30), "--numjobs=1",
                    "--percentile_list=50:99:99.9", "--output-format=json"));
            progress.line("fio: the L0 compaction's shape for " + SHAPE_SECONDS + " s: 256 KiB reads, " + readQd
                    + " in flight, round robin over " + layers.size() + " L1 file(s); 256 KiB writes, 32 in flight");
            return Optional.of(fio.get().runJobs(a, List.of("read", "write"), readQd, SHAPE_SECONDS, 0));
        } finally {
            Files.deleteIfExists(writeFile);
        }
    }

    /**
     * The copy limit's lines and JSON fields: fio's read and write rates while doing both at once, and the
     * compaction's rate over that read rate (a compaction reads its input and writes about as much).
     */
    static void reportCopyLimit(FioLimits fio, double mibps, PrintWriter out, ObjectNode root) {
        fio.copyRead().ifPresent(f -> {
            out.printf("%-28s %12.1f  (ratio %.2f)%n", "fio copy: read MiB/s", f.mibPerSec(), mibps / f.mibPerSec());
            root.put("fio_copy_read_mib_per_sec", f.mibPerSec());
            root.put("ratio_to_fio_copy_read", mibps / f.mibPerSec());
        });
        fio.copyWrite().ifPresent(f -> {
            out.printf("%-28s %12.1f%n", "fio copy: write MiB/s", f.mibPerSec());
            root.put("fio_copy_write_mib_per_sec", f.mibPerSec());
        });
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Random keys, increasing LSNs, flushed every {@code perLayer} bytes: equal L0 layers; batches made lazily. */
    static void ingest(Timeline t, long values, long perLayer, int keys, long valueSize) {
        SplittableRandom rnd = new SplittableRandom(42);
        long perFlush = Math.max(1, perLayer / valueSize);
        long[] lsn = {0x100};
        long done = 0;
        while (done < values) {
            long n = Math.min(perFlush, values - done);
            long batches = (n + 63) / 64;
            long[] left = {n};
            Flux<List<IngestRecord>> flux = Flux.<List<IngestRecord>>generate(sink -> {
                int size = (int) Math.min(64, left[0]);
                List<IngestRecord> batch = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    lsn[0] += 8;
                    int k = rnd.nextInt(keys);
                    Key key = Key.fromHex(String.format("000000067F000032BE0000400000%08X", k));
                    byte[] v = new byte[(int) valueSize];
                    v[0] = (byte) lsn[0];
                    batch.add(new IngestRecord(key, Lsn.of(lsn[0]), new Value.Image(v)));
                }
                left[0] -= size;
                sink.next(batch);
            }).take(batches);
            t.ingest(flux).block();
            t.freezeAndFlush().block();
            done += n;
        }
    }
}
