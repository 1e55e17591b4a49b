package io.strata.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code compact-l0}: L0 compaction throughput and memory on a timeline of this machine, beside fio's sequential
 * read and write of the same run.
 */
@Command(name = "compact-l0", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Builds a timeline whose L0 delta layers hold --size bytes of --value-size page images at random keys "
                    + "(--keys distinct keys, LSNs increasing), --layers L0 layers of equal size, then runs one L0 "
                    + "compaction (Neon's compact_level0_phase1, forced, the target file size 128 MiB) and reports "
                    + "MiB/s of L0 input processed (input file bytes / wall time from start to swap), the L1 layers "
                    + "made, and the peak Java heap above the level before the run (sampled every 5 ms).",
            "Beside it: fio reading one of the L0 files sequentially (1 MiB, O_DIRECT, io_uring, QD 4) and writing "
                    + "as many bytes (with fsync), then the two at once (the copy limit): the device's limits in the "
                    + "same run. And fio doing what the compaction does, for 5 s: 256 KiB reads, 2 in flight per input "
                    + "layer, round robin over the L1 files, beside 256 KiB writes, 32 in flight (the L0 shape). "
                    + "Prints a table, then one JSON object on the last line."})
final class CompactL0Command implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.parse("c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0");
    private static final TimelineId TIMELINE = TimelineId.parse("11111111111111111111111111111111");
    private static final TimelineId WARMUP_TIMELINE = TimelineId.parse("22222222222222222222222222222222");

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "D",
            description = "Directory for the engine's data (removed after the run); made if missing.")
    Path dir;

    @Option(names = "--size", defaultValue = "1g", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Value bytes in the L0 layers (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--value-size", defaultValue = "8k", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    long valueSize;

    @Option(names = "--keys", defaultValue = "65536", paramLabel = "N",
            description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--layers", defaultValue = "10", paramLabel = "N",
            description = "L0 layers to merge (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--buffers", defaultValue = "" + CompactionConfig.DEFAULT_BUFFERS, paramLabel = "N",
            description = "Compaction read buffers of the engine's default size, 2 MiB (default: ${DEFAULT-VALUE}).")
    int buffers;

    /**
     * 1 GiB, as compact-gc: after 256 MiB, C2 still compiled (and deoptimized about a hundred methods) through the
     * first quarter of a second of the measured run; alternating runs gave 700 and 705 MiB/s after 1 GiB against 660
     * and 649 after 256 MiB.
     */
    @Option(names = "--warmup", defaultValue = "1g", converter = SizeOrZeroConverter.class, paramLabel = "SIZE",
            description = "Before the measured run, build and compact a timeline of this many value bytes in the "
                    + "same JVM, unmeasured, so the JIT has compiled the compaction's code (a pageserver compacts "
                    + "all day long); 0 measures a cold JVM (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--no-fio", description = "Skip the fio runs.")
    boolean noFio;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Path data = CompactionBench.freshDirectory(dir, "compact-l0");
        long perLayer = Math.max(1, size / layers);
        EngineConfig config = CompactionBench.engineConfig(data, perLayer + valueSize, layers);
        StrataEngine engine = StrataEngine.open(data, config).block();
        ObjectNode root = JsonReport.object();
        try {
            Tenant tenant = engine.createTenant(TENANT).block();
            AlignedBufferPool pool = new AlignedBufferPool(config.compaction().bufferSize(), buffers,
                    config.io().alignment());
            engine.ioEngine().adviseHugePages(pool).block(); // as the engine does for its own pools
            double warmupMibps = warmup > 0 ? warmUp(tenant, pool, perLayer, progress) : 0;
            Timeline t = tenant.createTimeline(TIMELINE, Lsn.of(0x100)).block();
            long values = size / valueSize;
            progress.line("ingesting " + values + " values of " + valueSize + " bytes over " + keys + " keys into "
                    + layers + " L0 layers");
            long ingestStart = System.nanoTime();
            CompactionBench.ingest(t, values, perLayer, keys, valueSize);
            double ingestSeconds = (System.nanoTime() - ingestStart) / 1e9;
            List<PersistentLayerDesc> l0 = new ArrayList<>(t.layers().map().level0Deltas());
            l0.sort(Comparator.comparing(PersistentLayerDesc::lsnStart));
            long inputBytes = l0.stream().mapToLong(PersistentLayerDesc::fileSize).sum();
            progress.line(String.format("%d L0 layers, %s, ingested in %.1f s", l0.size(), Sizes.format(inputBytes),
                    ingestSeconds));

            Level0Compaction.Options options = options(t);
            progress.line("compacting");
            CpuClock cpu = new CpuClock();
            long cpuStart = cpu.processCpuNanos();
            long engineCpuStart = cpu.engineThreadsCpuNanos();
            HeapPeak heap = HeapPeak.start();
            long start = System.nanoTime();
            Level0Compaction.Result r = Level0Compaction.compactLevel0(t, options, pool).block();
            double seconds = (System.nanoTime() - start) / 1e9;
            t.retiredFilesDeleted().block();
            double secondsWithDeletes = (System.nanoTime() - start) / 1e9;
            long peakHeap = heap.stop();
            double cpuSeconds = (cpu.processCpuNanos() - cpuStart) / 1e9;
            double engineCpuSeconds = (cpu.engineThreadsCpuNanos() - engineCpuStart) / 1e9;
            long outputBytes = r.created().stream().mapToLong(PersistentLayerDesc::fileSize).sum();
            double mibps = inputBytes / seconds / (1 << 20);
            long poolBytes = (long) pool.capacity() * pool.bufferSize();
            progress.line(String.format("%.1f MiB/s, %d L1 layers, peak heap +%s, cpu %.1f s", mibps,
                    r.created().size(), Sizes.format(peakHeap), cpuSeconds));

            CompactionBench.FioLimits fio = CompactionBench.fio(noFio, t, r.created().get(0), inputBytes, data,
                    progress);
            Optional<List<EngineResult>> shape = CompactionBench.fioL0Shape(noFio, t, r.created(),
                    r.compacted().size(), inputBytes, data, progress);
            Optional<EngineResult> fioRead = fio.read();
            Optional<EngineResult> fioWrite = fio.write();
            out.printf("%-28s %12s%n", "compact-l0", "");
            out.printf("%-28s %12d%n", "L0 layers in", r.compacted().size());
            out.printf("%-28s %12s%n", "input bytes", Sizes.format(inputBytes));
            out.printf("%-28s %12d%n", "L1 layers out", r.created().size());
            out.printf("%-28s %12s%n", "output bytes", Sizes.format(outputBytes));
            out.printf("%-28s %12.2f%n", "seconds", seconds);
            out.printf("%-28s %12.1f%n", "input MiB/s", mibps);
            out.printf("%-28s %12.2f  (%.1f MiB/s)%n", "seconds, inputs deleted", secondsWithDeletes,
                    inputBytes / secondsWithDeletes / (1 << 20));
            out.printf("%-28s %12.2f%n", "cpu seconds", cpuSeconds);
            out.printf("%-28s %12.2f%n", "  of engine threads", engineCpuSeconds);
            out.printf("%-28s %12s%n", "peak heap above start", Sizes.format(peakHeap));
            out.printf("%-28s %12s%n", "read buffers (direct)", Sizes.format(poolBytes));
            fioRead.ifPresent(f -> out.printf("%-28s %12.1f  (ratio %.2f)%n", "fio seq read MiB/s", f.mibPerSec(),
                    mibps / f.mibPerSec()));
            fioWrite.ifPresent(f -> out.printf("%-28s %12.1f%n", "fio seq write MiB/s", f.mibPerSec()));
            root.put("benchmark", "compact-l0");
            root.put("size_bytes", size);
            root.put("value_size", valueSize);
            root.put("keys", keys);
            root.put("jit_warmup_bytes", warmup);
            if (warmup > 0) {
                root.put("jit_warmup_input_mib_per_sec", warmupMibps);
            }
            root.put("l0_layers", r.compacted().size());
            root.put("input_bytes", inputBytes);
            root.put("l1_layers", r.created().size());
            root.put("output_bytes", outputBytes);
            root.put("seconds", seconds);
            root.put("input_mib_per_sec", mibps);
            root.put("seconds_until_inputs_deleted", secondsWithDeletes);
            root.put("input_mib_per_sec_until_inputs_deleted", inputBytes / secondsWithDeletes / (1 << 20));
            root.put("cpu_seconds", cpuSeconds);
            root.put("engine_thread_cpu_seconds", engineCpuSeconds);
            root.put("peak_heap_above_start_bytes", peakHeap);
            root.put("read_buffer_bytes", poolBytes);
            root.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
            fioRead.ifPresent(f -> {
                root.put("fio_seq_read_mib_per_sec", f.mibPerSec());
                root.put("ratio_to_fio_seq_read", mibps / f.mibPerSec());
            });
            fioWrite.ifPresent(f -> root.put("fio_seq_write_mib_per_sec", f.mibPerSec()));
            CompactionBench.reportCopyLimit(fio, mibps, out, root);
            shape.ifPresent(s -> {
                double read = s.get(0).mibPerSec();
                double write = s.get(1).mibPerSec();
                out.printf("%-28s %12.1f  (ratio %.2f)%n", "fio L0 shape: read MiB/s", read, mibps / read);
                out.printf("%-28s %12.1f%n", "fio L0 shape: write MiB/s", write);
                root.put("fio_l0_shape_read_mib_per_sec", read);
                root.put("fio_l0_shape_write_mib_per_sec", write);
                root.put("ratio_to_fio_l0_shape_read", mibps / read);
            });
            root.put("stats", r.stats().toJson());
        } finally {
            engine.shutdown(ShutdownMode.HARD).block();
            CompactionBench.deleteRecursively(data);
        }
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }

    private static Level0Compaction.Options options(Timeline t) {
        return Level0Compaction.Options.of(t.config()).withForce(true).withTargetFileSize(128L << 20)
                .withDeltaSizeLimit(Long.MAX_VALUE / 4);
    }

    /** The unmeasured JIT warm-up: the same kind of timeline, smaller, compacted once; returns its MiB/s. */
    private double warmUp(Tenant tenant, AlignedBufferPool pool, long perLayer, Progress progress) {
        Timeline w = tenant.createTimeline(WARMUP_TIMELINE, Lsn.of(0x100)).block();
        progress.line("JIT warm-up: " + Sizes.format(warmup) + " of L0 layers, compacted unmeasured");
        CompactionBench.ingest(w, Math.max(1, warmup / valueSize), Math.min(perLayer, Math.max(1, warmup / 4)),
                keys, valueSize);
        long input = w.layers().map().level0Deltas().stream().mapToLong(PersistentLayerDesc::fileSize).sum();
        long start = System.nanoTime();
        Level0Compaction.compactLevel0(w, options(w), pool).block();
        w.retiredFilesDeleted().block(); // its inputs' unlinks must not run into the measured run
        double mibps = input / ((System.nanoTime() - start) / 1e9) / (1 << 20);
        progress.line(String.format("JIT warm-up: %.1f MiB/s", mibps));
        return mibps;
    }


}
