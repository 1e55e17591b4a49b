package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.vectored.StreamingVectoredReadPlanner;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.Alignment;
import io.strata.io.file.BlockDeviceLimits;
import io.strata.io.file.IoEngine;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code layer-scan}: reads whole layers with the layer readers' iterators (the StreamingVectoredReadPlanner's
 * large O_DIRECT reads) against fio's sequential read of the same file; the goal is a file MiB/s of at least
 * {@value #TARGET} of fio's for 8 KiB values.
 */
@Command(name = "layer-scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Scans one layer per kind and value size with its reader's iterator, counting the values and "
                    + "their bytes, in reads of up to --max-read bytes or --max-batch values. Layers missing from "
                    + "D (or not matching the options) are written first, as layer-write does, untimed. Before "
                    + "each scan fio reads the same file sequentially (1 MiB, 4 in flight, O_DIRECT, io_uring, "
                    + "--readonly) when it is on PATH; rounds alternate fio and Strata.",
            "Prints a table, then the figures as one JSON object on the last line."})
final class LayerScanCommand implements Callable<Integer> {
    /** The wanted scan file MiB/s over fio's sequential read MiB/s, for 8 KiB values. */
    static final double TARGET = 0.8;
    static final int TARGET_VALUE_SIZE = 8192;

    @Spec
    CommandSpec spec;

    @Mixin
    LayerOptions layers;

    @Option(names = "--max-read", defaultValue = "1m", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Largest planned read: a read ends once it reaches this many bytes "
                    + "(default: ${DEFAULT-VALUE}).")
    long maxRead;

    @Option(names = "--max-batch", defaultValue = "1024", paramLabel = "N",
            description = "Most values per planned read (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--read-buffers", defaultValue = "16", paramLabel = "N",
            description = "Buffers of the iterator's read pool, each holding one planned read "
                    + "(default: ${DEFAULT-VALUE}).")
    int readBuffers;

    @Option(names = "--hops-in-flight", defaultValue = "8", paramLabel = "N",
            description = "Hops of reads (about 512 KiB, at least one planned read each) the iterator keeps in "
                    + "flight while the scan consumes the current one (default: ${DEFAULT-VALUE}).")
    int hopsInFlight;

    @Option(names = "--max-read-span", defaultValue = "auto", paramLabel = "SIZE|auto|none",
            description = "Largest read once widened to the file's alignment: auto is the largest read the block "
                    + "device under --dir serves as one request (sysfs max_sectors_kb and max_segments); none is "
                    + "Neon's planner, whose reads pass --max-read by part of a value (default: ${DEFAULT-VALUE}).")
    String maxReadSpan;

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "R",
            description = "Scans of each layer, each after its own fio run; the table shows the median round "
                    + "(default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        List<LayerPlan> plans = layers.plans(spec);
        if (rounds < 1 || rounds > 100) {
            throw new ParameterException(spec.commandLine(), "invalid --rounds " + rounds + ": must be in [1, 100]");
        }
        if (maxRead > 1L << 30) {
            throw new ParameterException(spec.commandLine(), "invalid --max-read " + Sizes.format(maxRead)
                    + ": at most 1g");
        }
        if (maxBatch < 1) {
            throw new ParameterException(spec.commandLine(), "invalid --max-batch " + maxBatch + ": must be >= 1");
        }
        if (readBuffers < 1 || readBuffers > 1024) {
            throw new ParameterException(spec.commandLine(), "invalid --read-buffers " + readBuffers
                    + ": must be in [1, 1024]");
        }
        if (hopsInFlight < 1 || hopsInFlight > 64) {
            throw new ParameterException(spec.commandLine(), "invalid --hops-in-flight " + hopsInFlight
                    + ": must be in [1, 64]");
        }
        long span = readSpan(maxReadSpan, layers.dir);
        IteratorOptions options = new IteratorOptions(maxRead, maxBatch, hopsInFlight, span);
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        progress.line(span == StreamingVectoredReadPlanner.NO_SPAN_LIMIT ? "reads: no span limit"
                : "reads: at most " + Sizes.format(span) + " once aligned (" + maxReadSpan + ")");
        Optional<FioRunner> fio = layers.noFio ? Optional.empty() : FioRunner.locate();
        String fioVersion = fio.map(FioRunner::version).orElse(null);
        if (!layers.noFio) {
            progress.line(fio.isPresent() ? "comparing with " + fioVersion + " (" + fio.get().executable() + ")"
                    : "fio is not on PATH: running Strata only");
        }
        Files.createDirectories(layers.dir);
        int alignment = Alignment.forDirectory(layers.dir.toAbsolutePath());
        int maxValue = plans.stream().mapToInt(LayerPlan::valueSize).max().orElseThrow();
        int readBufferSize = readBufferSize(maxRead, maxValue, alignment);
        CpuClock cpu = new CpuClock();
        List<LayerComparison> rows = new ArrayList<>();
        String engineDescription;
        IoEngine engine = layers.engine.create(64, 1);
        try {
            engineDescription = engine.describe();
            progress.line("engine " + layers.engine.label() + ": " + engineDescription);
            BlockCache cache = new BlockCache(LayerBench.CACHE_BLOCKS,
                    new AlignedBufferPool(BlockCache.BLOCK_SIZE, LayerBench.CACHE_BLOCKS + 64, alignment));
            ensureLayers(plans, engine, cache, alignment, maxValue, cpu, progress);
            progress.line("read pool: " + readBuffers + " buffers of " + Sizes.format(readBufferSize) + " bytes");
            AlignedBufferPool readPool = new AlignedBufferPool(readBufferSize, readBuffers, alignment);
            engine.adviseHugePages(readPool).block(); // as the engine does for its own pools
            for (LayerPlan plan : plans) {
                LayerComparison c = new LayerComparison(plan);
                Path path = plan.path();
                long fileBytes = Files.size(path);
                for (int round = 1; round <= rounds; round++) {
                    String of = rounds > 1 ? " (round " + round + " of " + rounds + ")" : "";
                    if (fio.isPresent()) {
                        progress.line(plan.label() + ": fio sequential read of " + path + of);
                        c.addFio(fio.get().run(FioRunner.sequentialArguments("read", path, 0, true), "read",
                                FioRunner.SEQUENTIAL_QD, LayerWriteCommand.fioTimeoutSeconds(fileBytes), 0));
                        progress.line(String.format("  fio: %.1f MiB/s", c.lastFioMibPerSec()));
                    }
                    progress.line(plan.label() + ": scanning " + path + of);
                    System.gc();
                    LayerRun r = LayerBench.scan(plan, engine, cache, readPool, options, cpu, progress);
                    c.add(r, path.toAbsolutePath().toString());
                    progress.line("  " + LayerBench.summary(plan.label(), r));
                }
                rows.add(c);
            }
        } finally {
            engine.close();
        }
        LayerTable.print(out, rows);
        StringBuilder verdict = new StringBuilder();
        for (LayerComparison c : rows) {
            if (c.plan().valueSize() == TARGET_VALUE_SIZE) {
                verdict.append(verdict.length() == 0 ? "" : "; ").append(c.plan().label()).append(' ')
                        .append(c.hasFio() ? String.format("%.3f %s", c.fileRatio(),
                                c.fileRatio() >= TARGET ? "met" : "NOT met") : "- (no fio)");
            }
        }
        if (verdict.length() > 0) {
            out.println("target: scan file MiB/s >= " + TARGET + " x fio sequential read for 8k values: " + verdict);
        }
        ObjectNode root = JsonReport.object();
        root.put("benchmark", "layer-scan");
        layers.putJson(root, spec, rounds, engineDescription, fioVersion);
        root.put("max_read_bytes", maxRead);
        root.put("max_batch", maxBatch);
        if (span == StreamingVectoredReadPlanner.NO_SPAN_LIMIT) {
            root.putNull("max_read_span_bytes");
        } else {
            root.put("max_read_span_bytes", span);
        }
        root.put("read_buffers", readBuffers);
        root.put("hops_in_flight", hopsInFlight);
        root.put("read_buffer_bytes", readBufferSize);
        if (fio.isPresent()) {
            root.put("fio_args", String.join(" ", FioRunner.sequentialArguments("read", Path.of("<layer file>"), 0,
                    true)));
        }
        ObjectNode target = root.putObject("target");
        target.put("value_bytes", TARGET_VALUE_SIZE);
        target.put("min_file_vs_fio", TARGET);
        JsonReport.putHost(root);
        ArrayNode results = root.putArray("results");
        rows.forEach(c -> results.add(c.toJson(c.plan().valueSize() == TARGET_VALUE_SIZE ? TARGET : Double.NaN)));
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }

    /**
     * A read buffer holds the largest planned read: --max-read bytes plus the blob that crosses it, widened to
     * the O_DIRECT alignment at both ends. (A larger read would get a buffer of its own.)
     */
    static int readBufferSize(long maxRead, int maxValue, int alignment) {
        long blob = maxValue + 64L;
        return Math.toIntExact(Alignment.alignUp(maxRead + blob + 2L * alignment, alignment));
    }

    /** Writes, untimed, each plan's layer that is missing or not the expected one. */
    private void ensureLayers(List<LayerPlan> plans, IoEngine engine, BlockCache cache, int alignment, int maxValue,
                              CpuClock cpu, Progress progress) throws Exception {
        LayerBench.ValueSource source = null;
        AlignedBufferPool writePool = null;
        for (LayerPlan plan : plans) {
            if (LayerBench.existing(plan, engine, cache, progress)) {
                progress.line(plan.label() + ": using " + plan.path());
                continue;
            }
            if (source == null) {
                progress.line("making " + Sizes.format(LayerBench.ValueSource.RANDOM_BYTES)
                        + " of random value bytes");
                source = new LayerBench.ValueSource(maxValue);
                writePool = new AlignedBufferPool(LayerBench.WRITE_BUFFER, LayerBench.WRITE_IN_FLIGHT + 2,
                        alignment);
            }
            progress.line(plan.label() + ": " + plan.path() + " is missing: writing " + plan.values() + " values");
            LayerBench.Written w = LayerBench.write(plan, engine, writePool, source, cpu, progress);
            LayerBench.verify(w, engine, cache);
            progress.line("  " + LayerBench.summary("written (untimed for this report)", w.run()));
        }
    }

    /** {@code --max-read-span}: a size, {@code auto} (the device's one-request limit, if known) or {@code none}. */
    private long readSpan(String value, Path dir) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("none")) {
            return StreamingVectoredReadPlanner.NO_SPAN_LIMIT;
        }
        if (v.equals("auto")) {
            long limit = BlockDeviceLimits.maxUnsplitRead(dir);
            return limit == BlockDeviceLimits.UNKNOWN ? StreamingVectoredReadPlanner.NO_SPAN_LIMIT : limit;
        }
        try {
            return new SizeConverter().convert(value);
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw new ParameterException(spec.commandLine(), "invalid --max-read-span '" + value
                    + "': a size, auto or none");
        }
    }
}
