package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.Alignment;
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
 * {@code layer-write}: writes one image or delta layer of about --size bytes of values per kind and value size
 * through Strata's layer writers, against fio's sequential 1 MiB O_DIRECT write of the same size.
 */
@Command(name = "layer-write", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Writes one layer of about --size bytes of values for each kind and value size: images of random, "
                    + "incompressible bytes under consecutive relation block keys, or delta layers of "
                    + "Postgres WAL records of that size at increasing LSNs (--lsns-per-key per key). Each write "
                    + "is timed from the writer's creation to its finish (fsync and rename included). Before "
                    + "each, fio writes --size bytes sequentially (1 MiB, 4 in flight, O_DIRECT, io_uring, "
                    + "end fsync) to D/fio.tmp, deleted afterwards, when fio is on PATH.",
            "The layers stay in D/<kind>-<value size>-.../ for layer-scan. Prints a table, then the figures as "
                    + "one JSON object on the last line."})
final class LayerWriteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LayerOptions layers;

    @Option(names = "--rounds", defaultValue = "1", paramLabel = "R",
            description = "Writes of each layer, each after its own fio run; the table shows the median round "
                    + "(default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        List<LayerPlan> plans = layers.plans(spec);
        if (rounds < 1 || rounds > 100) {
            throw new ParameterException(spec.commandLine(), "invalid --rounds " + rounds + ": must be in [1, 100]");
        }
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Optional<FioRunner> fio = layers.noFio ? Optional.empty() : FioRunner.locate();
        String fioVersion = fio.map(FioRunner::version).orElse(null);
        if (!layers.noFio) {
            progress.line(fio.isPresent() ? "comparing with " + fioVersion + " (" + fio.get().executable() + ")"
                    : "fio is not on PATH: running Strata only");
        }
        Files.createDirectories(layers.dir);
        int alignment = Alignment.forDirectory(layers.dir.toAbsolutePath());
        Path fioFile = layers.dir.resolve("fio.tmp");
        long fioSize = Alignment.alignUp(layers.size, (int) Sizes.MIB);
        int maxValue = plans.stream().mapToInt(LayerPlan::valueSize).max().orElseThrow();
        progress.line("making " + Sizes.format(LayerBench.ValueSource.RANDOM_BYTES) + " of random value bytes");
        LayerBench.ValueSource source = new LayerBench.ValueSource(maxValue);
        CpuClock cpu = new CpuClock();
        List<LayerComparison> rows = new ArrayList<>();
        String engineDescription;
        IoEngine engine = layers.engine.create(64, 1);
        try {
            engineDescription = engine.describe();
            progress.line("engine " + layers.engine.label() + ": " + engineDescription);
            AlignedBufferPool writePool = new AlignedBufferPool(LayerBench.WRITE_BUFFER,
                    LayerBench.WRITE_IN_FLIGHT + 2, alignment);
            BlockCache cache = new BlockCache(LayerBench.CACHE_BLOCKS,
                    new AlignedBufferPool(BlockCache.BLOCK_SIZE, LayerBench.CACHE_BLOCKS + 64, alignment));
            for (LayerPlan plan : plans) {
                LayerComparison c = new LayerComparison(plan);
                for (int round = 1; round <= rounds; round++) {
                    String of = rounds > 1 ? " (round " + round + " of " + rounds + ")" : "";
                    if (fio.isPresent()) {
                        progress.line(plan.label() + ": fio sequential write of " + Sizes.format(fioSize) + " to "
                                + fioFile + of);
                        Files.deleteIfExists(fioFile);
                        try {
                            c.addFio(fio.get().run(FioRunner.sequentialArguments("write", fioFile, fioSize, false),
                                    "write", FioRunner.SEQUENTIAL_QD, fioTimeoutSeconds(fioSize), 0));
                        } finally {
                            Files.deleteIfExists(fioFile);
                        }
                        progress.line(String.format("  fio: %.1f MiB/s", c.lastFioMibPerSec()));
                    }
                    progress.line(plan.label() + ": writing " + plan.values() + " values into " + plan.dir() + of);
                    System.gc(); // the previous layer's index blocks are garbage: collect them outside the window
                    LayerBench.Written w = LayerBench.write(plan, engine, writePool, source, cpu, progress);
                    LayerBench.verify(w, engine, cache);
                    c.add(w.run(), w.layer().path().toAbsolutePath().toString());
                    progress.line("  " + LayerBench.summary(plan.label(), w.run()));
                }
                rows.add(c);
            }
        } finally {
            try {
                Files.deleteIfExists(fioFile);
            } finally {
                engine.close();
            }
        }
        LayerTable.print(out, rows);
        ObjectNode root = JsonReport.object();
        root.put("benchmark", "layer-write");
        layers.putJson(root, spec, rounds, engineDescription, fioVersion);
        root.put("write_buffer_bytes", LayerBench.WRITE_BUFFER);
        root.put("write_in_flight", LayerBench.WRITE_IN_FLIGHT);
        if (fio.isPresent()) {
            root.put("fio_args", String.join(" ", FioRunner.sequentialArguments("write", fioFile, fioSize, false)));
        }
        JsonReport.putHost(root);
        ArrayNode results = root.putArray("results");
        rows.forEach(c -> results.add(c.toJson(Double.NaN)));
        out.println(JsonReport.write(root));
        out.flush();
        return 0;
    }

    /** fio's time budget for {@code bytes}: generous even for a slow (10 MiB/s) disk. */
    static int fioTimeoutSeconds(long bytes) {
        return (int) Math.min(24 * 3600, Math.max(60, bytes / (10 * Sizes.MIB)));
    }
}
