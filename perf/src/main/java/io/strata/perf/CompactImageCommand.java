package io.strata.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.compaction.image.CreateImageLayersResult;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.compaction.image.Partitioning;
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
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code compact-image}: image layer creation throughput and memory, beside fio's sequential limits. */
@Command(name = "compact-image", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Builds a timeline as compact-l0 does (--size bytes of --value-size page images at random keys in L0 "
                    + "layers), compacts the L0s into L1s, then times one forced image layer creation at the L0/L1 "
                    + "boundary (Neon's repartition + create_image_layers in FORCE mode: every page of the key space "
                    + "read with vectored gets and written into image layers of --target bytes).",
            "Reports MiB/s of image bytes written (= pages reconstructed), the image layers made and the peak Java "
                    + "heap above the level before the run, and fio's sequential read and write of the same run. "
                    + "Prints a table, then one JSON object on the last line."})
final class CompactImageCommand implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.parse("c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1");
    private static final TimelineId TIMELINE = TimelineId.parse("22222222222222222222222222222222");

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
            description = "Image layer target size, Neon's compaction_target_size (default: ${DEFAULT-VALUE}).")
    long target;

    @Option(names = "--no-fio", description = "Skip the fio runs.")
    boolean noFio;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Path data = CompactionBench.freshDirectory(dir, "compact-image");
        int layers = 10;
        long perLayer = Math.max(1, size / layers);
        EngineConfig config = CompactionBench.engineConfig(data, perLayer + valueSize,
                TimelineConfig.defaults().compactionThreshold());
        StrataEngine engine = StrataEngine.open(data, config).block();
        ObjectNode root = JsonReport.object();
        try {
            Tenant tenant = engine.createTenant(TENANT).block();
            Timeline t = tenant.createTimeline(TIMELINE, Lsn.of(0x100)).block();
            progress.line("ingesting " + size / valueSize + " values of " + valueSize + " bytes over " + keys
                    + " keys");
            CompactionBench.ingest(t, size / valueSize, perLayer, keys, valueSize);
            AlignedBufferPool pool = new AlignedBufferPool(config.compaction().bufferSize(),
                    config.compaction().buffers(), config.io().alignment());
            engine.ioEngine().adviseHugePages(pool).block(); // as the engine does for its own pools
            progress.line("compacting the L0 layers");
            Level0Compaction.compactLevel0(t, Level0Compaction.Options.of(t.config()).withForce(true)
                    .withTargetFileSize(128L << 20).withDeltaSizeLimit(Long.MAX_VALUE / 4), pool).block();
            t.retiredFilesDeleted().block();
            long deltaBytes = t.layers().map().historicLayers().stream().mapToLong(PersistentLayerDesc::fileSize)
                    .sum();

            ImageLayerCreation images = new ImageLayerCreation(t, ImageLayerCreationConfig.defaults()
                    .withCompactionTargetSize(target));
            progress.line("creating image layers (FORCE)");
            CpuClock cpu = new CpuClock();
            long cpuStart = cpu.processCpuNanos();
            HeapPeak heap = HeapPeak.start();
            long start = System.nanoTime();
            Partitioning p = images.repartition(images.partitionLsn(), target, true).block();
            CreateImageLayersResult r = images.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block();
            double seconds = (System.nanoTime() - start) / 1e9;
            long peakHeap = heap.stop();
            double cpuSeconds = (cpu.processCpuNanos() - cpuStart) / 1e9;
            long imageBytes = r.created().stream().mapToLong(PersistentLayerDesc::fileSize).sum();
            double mibps = imageBytes / seconds / (1 << 20);
            progress.line(String.format("%.1f MiB/s of images, %d image layers, peak heap +%s", mibps,
                    r.created().size(), Sizes.format(peakHeap)));

            CompactionBench.FioLimits fio = CompactionBench.fio(noFio, t, r.created().get(0), imageBytes, data,
                    progress);
            Optional<EngineResult> fioRead = fio.read();
            Optional<EngineResult> fioWrite = fio.write();
            out.printf("%-28s %12s%n", "compact-image", "");
            out.printf("%-28s %12s%n", "delta bytes below", Sizes.format(deltaBytes));
            out.printf("%-28s %12d%n", "partitions", p.combined().parts().size());
            out.printf("%-28s %12d%n", "image layers", r.created().size());
            out.printf("%-28s %12s%n", "image bytes", Sizes.format(imageBytes));
            out.printf("%-28s %12.2f%n", "seconds", seconds);
            out.printf("%-28s %12.1f%n", "image MiB/s", mibps);
            out.printf("%-28s %12.2f%n", "cpu seconds", cpuSeconds);
            out.printf("%-28s %12s%n", "peak heap above start", Sizes.format(peakHeap));
            fioRead.ifPresent(f -> out.printf("%-28s %12.1f  (ratio %.2f)%n", "fio seq read MiB/s", f.mibPerSec(),
                    mibps / f.mibPerSec()));
            fioWrite.ifPresent(f -> out.printf("%-28s %12.1f  (ratio %.2f)%n", "fio seq write MiB/s",
                    f.mibPerSec(), mibps / f.mibPerSec()));
            root.put("benchmark", "compact-image");
            root.put("size_bytes", size);
            root.put("value_size", valueSize);
            root.put("keys", keys);
            root.put("delta_bytes", deltaBytes);
            root.put("partitions", p.combined().parts().size());
            root.put("image_layers", r.created().size());
            root.put("image_bytes", imageBytes);
            root.put("seconds", seconds);
            root.put("image_mib_per_sec", mibps);
            root.put("cpu_seconds", cpuSeconds);
            root.put("peak_heap_above_start_bytes", peakHeap);
            root.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
            fioRead.ifPresent(f -> {
                root.put("fio_seq_read_mib_per_sec", f.mibPerSec());
                root.put("ratio_to_fio_seq_read", mibps / f.mibPerSec());
            });
            fioWrite.ifPresent(f -> root.put("fio_seq_write_mib_per_sec", f.mibPerSec()));
            CompactionBench.reportCopyLimit(fio, mibps, out, root);
        } finally {
            engine.shutdown(ShutdownMode.HARD).block();
            CompactionBench.deleteRecursively(data);
        }
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }
}
