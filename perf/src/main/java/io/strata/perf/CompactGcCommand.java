package io.strata.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.compaction.gc.CompactOptions;
import io.strata.engine.compaction.gc.CompactionStatistics;
import io.strata.engine.compaction.gc.GcCompaction;
import io.strata.engine.compaction.gc.GcCompactionResult;
import io.strata.engine.compaction.gc.GcCompactionSettings;
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
import io.strata.engine.timeline.TimelineConfig;
import io.strata.io.buffer.AlignedBufferPool;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code compact-gc}: gc-compaction throughput, memory and retention, beside fio's sequential limits. */
@Command(name = "compact-gc", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Builds a timeline as compact-l0 does (--size bytes of --value-size page images at random keys in L0 "
                    + "layers), compacts the L0s into L1s, runs legacy GC with a zero horizon (so the applied and "
                    + "planned GC cutoffs reach the last record), then times one full gc-compaction (Neon's "
                    + "compact_with_gc over all keys and LSNs, verification as configured, --target layers).",
            "Reports MiB/s of input layer bytes, the layers made, Neon's retention ratio, the peak Java heap above "
                    + "the level before the run, and fio's sequential read and write of the same run. Prints a "
                    + "table, then one JSON object on the last line."})
final class CompactGcCommand implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.parse("c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2");
    private static final TimelineId TIMELINE = TimelineId.parse("33333333333333333333333333333333");
    private static final TimelineId WARMUP_TIMELINE = TimelineId.parse("44444444444444444444444444444444");

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "D",
            description = "Directory for the engine's data (removed after the run); made if missing.")
    Path dir;

    @Option(names = "--size", defaultValue = "512m", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Value bytes ingested (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--value-size", defaultValue = "8k", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    long valueSize;

    @Option(names = "--keys", defaultValue = "32768", paramLabel = "N",
            description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--target", defaultValue = "128m", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Output layer target size, Neon's compaction_target_size (default: ${DEFAULT-VALUE}).")
    long target;

    @Option(names = "--hops", paramLabel = "N",
            description = "Hops of reads each input layer keeps in flight at least (IteratorOptions.hopsInFlight; "
                    + "default: gc-compaction's own setting); inputs that share no keys get more (GcCompaction."
                    + "MERGE_READ_AHEAD_HOPS over the most inputs sharing a key).")
    Integer hops;

    @Option(names = "--no-verify", description = "Turn gc-compaction's verification (replay of every retained LSN) off.")
    boolean noVerify;

    /*
     * 1 GiB, not 256 MiB as compact-l0: after 256 MiB, C2 was still compiling through the measured run (its thread had a
     * third as many profile samples as the ring thread doing the compaction); with 1 GiB, two alternating pairs of runs
     * gave 394 and 541 MiB/s against 352 and 328, and 2.6-3.3 s of process CPU against 4.0-4.4.
     */
    @Option(names = "--warmup", defaultValue = "1g", converter = SizeOrZeroConverter.class, paramLabel = "SIZE",
            description = "Before the measured run, prepare and gc-compact a timeline of this many value bytes in the "
                    + "same JVM, unmeasured, so the JIT has compiled the compaction's code (a pageserver compacts all "
                    + "day long); 0 measures a cold JVM (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--no-fio", description = "Skip the fio runs.")
    boolean noFio;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Path data = CompactionBench.freshDirectory(dir, "compact-gc");
        int layers = 10;
        long perLayer = Math.max(1, size / layers);
        EngineConfig config = CompactionBench.engineConfig(data, perLayer + valueSize,
                TimelineConfig.defaults().compactionThreshold());
        StrataEngine engine = StrataEngine.open(data, config).block();
        ObjectNode root = JsonReport.object();
        try {
            Tenant tenant = engine.createTenant(TENANT).block();
            AlignedBufferPool pool = new AlignedBufferPool(config.compaction().bufferSize(),
                    config.compaction().buffers(), config.io().alignment());
            engine.ioEngine().adviseHugePages(pool).block(); // as the engine does for its own pools
            double warmupMibps = Double.NaN;
            if (warmup > 0) {
                progress.line("JIT warm-up: " + Sizes.format(warmup) + ", prepared and gc-compacted unmeasured");
                Timeline w = prepare(tenant, WARMUP_TIMELINE, warmup, Math.min(perLayer, Math.max(1, warmup / 4)),
                        pool, progress);
                long before = w.layers().map().historicLayers().stream().mapToLong(PersistentLayerDesc::fileSize).sum();
                long warmStart = System.nanoTime();
                GcCompaction.compactWithGc(w, CompactOptions.defaultForGcCompactionUnitTests(), settings(), pool)
                        .block();
                w.retiredFilesDeleted().block(); // its inputs' unlinks must not run into the measured run
                warmupMibps = before / ((System.nanoTime() - warmStart) / 1e9) / (1 << 20);
                progress.line(String.format("JIT warm-up: %.1f MiB/s", warmupMibps));
            }
            Timeline t = prepare(tenant, TIMELINE, size, perLayer, pool, progress);
            GcCompactionSettings settings = settings();
            progress.line("gc-compaction (verification " + (noVerify ? "off" : "on") + ")");
            CpuClock cpu = new CpuClock();
            long cpuStart = cpu.processCpuNanos();
            long engineCpuStart = cpu.engineThreadsCpuNanos();
            HeapPeak heap = HeapPeak.start();
            long start = System.nanoTime();
            GcCompactionResult r = GcCompaction.compactWithGc(t, CompactOptions.defaultForGcCompactionUnitTests(),
                    settings, pool).block();
            double seconds = (System.nanoTime() - start) / 1e9;
            t.retiredFilesDeleted().block();
            double secondsWithDeletes = (System.nanoTime() - start) / 1e9;
            long peakHeap = heap.stop();
            double cpuSeconds = (cpu.processCpuNanos() - cpuStart) / 1e9;
            double engineCpuSeconds = (cpu.engineThreadsCpuNanos() - engineCpuStart) / 1e9;
            CompactionStatistics st = r.statistics().get(0);
            long inputBytes = st.deltaLayerVisited().size() + st.imageLayerVisited().size();
            long outputBytes = st.deltaLayerProduced().size() + st.imageLayerProduced().size();
            double mibps = inputBytes / seconds / (1 << 20);
            progress.line(String.format("%.1f MiB/s of input, outcome %s, peak heap +%s", mibps, r.outcome(),
                    Sizes.format(peakHeap)));

            CompactionBench.FioLimits fio = r.added().isEmpty() ? CompactionBench.FioLimits.NONE
                    : CompactionBench.fio(noFio, t, r.added().get(0), outputBytes, data, progress);
            Optional<EngineResult> fioRead = fio.read();
            Optional<EngineResult> fioWrite = fio.write();
            out.printf("%-28s %12s%n", "compact-gc", "");
            out.printf("%-28s %12s%n", "input layer bytes", Sizes.format(inputBytes));
            out.printf("%-28s %12d%n", "layers removed", r.removed().size());
            out.printf("%-28s %12d%n", "layers added", r.added().size());
            out.printf("%-28s %12s%n", "output bytes", Sizes.format(outputBytes));
            out.printf("%-28s %12.3f%n", "retention ratio", st.compressedRetentionRatio());
            out.printf("%-28s %12.2f%n", "seconds", seconds);
            out.printf("%-28s %12.1f%n", "input MiB/s", mibps);
            out.printf("%-28s %12.2f  (%.1f MiB/s)%n", "seconds, inputs deleted", secondsWithDeletes,
                    inputBytes / secondsWithDeletes / (1 << 20));
            out.printf("%-28s %12.2f%n", "cpu seconds", cpuSeconds);
            out.printf("%-28s %12.2f%n", "  of engine threads", engineCpuSeconds);
            out.printf("%-28s %12s%n", "peak heap above start", Sizes.format(peakHeap));
            fioRead.ifPresent(f -> out.printf("%-28s %12.1f  (ratio %.2f)%n", "fio seq read MiB/s", f.mibPerSec(),
                    mibps / f.mibPerSec()));
            fioWrite.ifPresent(f -> out.printf("%-28s %12.1f%n", "fio seq write MiB/s", f.mibPerSec()));
            root.put("benchmark", "compact-gc");
            root.put("size_bytes", size);
            root.put("value_size", valueSize);
            root.put("keys", keys);
            root.put("jit_warmup_bytes", warmup);
            if (warmup > 0) {
                root.put("jit_warmup_input_mib_per_sec", warmupMibps);
            }
            root.put("verification", !noVerify);
            root.put("iterator_hops_in_flight", settings.iterator().hopsInFlight());
            // spread over the inputs that share keys: all of it here (key-disjoint L1s), when above the setting
            root.put("merge_read_ahead_hops", GcCompaction.MERGE_READ_AHEAD_HOPS);
            root.put("outcome", r.outcome().toString());
            root.put("input_bytes", inputBytes);
            root.put("output_bytes", outputBytes);
            root.put("layers_removed", r.removed().size());
            root.put("layers_added", r.added().size());
            root.put("retention_ratio", st.compressedRetentionRatio());
            root.put("seconds", seconds);
            root.put("input_mib_per_sec", mibps);
            root.put("seconds_until_inputs_deleted", secondsWithDeletes);
            root.put("input_mib_per_sec_until_inputs_deleted", inputBytes / secondsWithDeletes / (1 << 20));
            root.put("cpu_seconds", cpuSeconds);
            root.put("engine_thread_cpu_seconds", engineCpuSeconds);
            root.put("peak_heap_above_start_bytes", peakHeap);
            root.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
            fioRead.ifPresent(f -> {
                root.put("fio_seq_read_mib_per_sec", f.mibPerSec());
                root.put("ratio_to_fio_seq_read", mibps / f.mibPerSec());
            });
            fioWrite.ifPresent(f -> root.put("fio_seq_write_mib_per_sec", f.mibPerSec()));
            CompactionBench.reportCopyLimit(fio, mibps, out, root);
            root.put("statistics", st.toJson());
        } finally {
            engine.shutdown(ShutdownMode.HARD).block();
            CompactionBench.deleteRecursively(data);
        }
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }

    private GcCompactionSettings settings() {
        GcCompactionSettings settings = GcCompactionSettings.defaults().withCompactionTargetSize(target);
        if (hops != null) {
            var it = settings.iterator();
            settings = new GcCompactionSettings(settings.gcCompactionEnabled(), settings.gcCompactionVerification(),
                    settings.gcCompactionInitialThresholdKb(), settings.gcCompactionRatioPercent(),
                    settings.compactionTargetSize(), settings.compactionL0First(),
                    new io.strata.engine.layer.IteratorOptions(it.maxReadSize(), it.maxBatchCount(), hops,
                            it.maxReadSpan()));
        }
        if (noVerify) {
            settings = new GcCompactionSettings(settings.gcCompactionEnabled(), false,
                    settings.gcCompactionInitialThresholdKb(), settings.gcCompactionRatioPercent(),
                    settings.compactionTargetSize(), settings.compactionL0First(), settings.iterator());
        }
        return settings;
    }

    /** A timeline of {@code bytes} of values in L1 layers, GC'd with a zero horizon: gc-compaction's input. */
    private Timeline prepare(Tenant tenant, TimelineId id, long bytes, long perLayer, AlignedBufferPool pool,
                             Progress progress) {
        Timeline t = tenant.createTimeline(id, Lsn.of(0x100)).block();
        progress.line("ingesting " + bytes / valueSize + " values of " + valueSize + " bytes over " + keys + " keys");
        CompactionBench.ingest(t, bytes / valueSize, perLayer, keys, valueSize);
        progress.line("compacting the L0 layers");
        Level0Compaction.compactLevel0(t, Level0Compaction.Options.of(t.config()).withForce(true)
                .withTargetFileSize(128L << 20).withDeltaSizeLimit(Long.MAX_VALUE / 4), pool).block();
        progress.line("legacy GC with a zero horizon");
        tenant.gcIteration(Optional.of(id), 0, Duration.ZERO).block();
        t.retiredFilesDeleted().block();
        return t;
    }
}
