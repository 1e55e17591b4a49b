package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options layer-write and layer-scan share (a picocli mixin): which layers, where, and how to write them. */
final class LayerOptions {
    /** The largest value size accepted: a blob header holds lengths below 2^28, and 16 MiB is plenty. */
    static final long MAX_VALUE_SIZE = 16 * Sizes.MIB;

    @Option(names = "--dir", required = true, paramLabel = "D",
            description = "Directory for the layers (one subdirectory per kind and value size) and fio's "
                    + "scratch file; made if missing.")
    Path dir;

    @Option(names = "--size", defaultValue = "1g", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Value bytes per layer, e.g. 64m, 1g (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--value-sizes", split = ",", defaultValue = "100,8k", converter = SizeConverter.class,
            paramLabel = "SIZE", description = "Value sizes, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Long> valueSizes = new ArrayList<>();

    @Option(names = "--kinds", split = ",", defaultValue = "image,delta", converter = LayerKindConverter.class,
            paramLabel = "KIND", description = "Layer kinds, comma-separated: image, delta "
                    + "(default: ${DEFAULT-VALUE}).")
    List<LayerKind> kinds = new ArrayList<>();

    @Option(names = "--compression", defaultValue = "none", paramLabel = "C",
            description = "Image layer compression: none, zstd or zstd(LEVEL); delta layers are never "
                    + "compressed (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--lsns-per-key", defaultValue = "4", paramLabel = "N",
            description = "WAL records per key in delta layers, at increasing LSNs (default: ${DEFAULT-VALUE}).")
    int lsnsPerKey;

    @Option(names = "--engine", defaultValue = "uring", converter = BenchEngineConverter.class,
            paramLabel = "ENGINE", description = "Strata engine: uring or filechannel (default: ${DEFAULT-VALUE}).")
    BenchEngine engine;

    @Option(names = "--no-fio", description = "Do not run fio for comparison, even when it is on PATH.")
    boolean noFio;

    /** Neon's image compression setting for {@link #compression}. */
    ImageCompressionAlgorithm compression(CommandSpec spec) {
        String c = compression.trim().toLowerCase(Locale.ROOT);
        if (c.equals("none") || c.equals("disabled") || c.equals("off")) {
            return ImageCompressionAlgorithm.DISABLED;
        }
        try {
            return ImageCompressionAlgorithm.parse(c);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid --compression '" + compression + "': "
                    + e.getMessage() + " (expected none, zstd or zstd(LEVEL))");
        }
    }

    /** Checks the options and returns one plan per kind and value size, kinds outermost, in the order given. */
    List<LayerPlan> plans(CommandSpec spec) {
        if (kinds.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--kinds needs image, delta or both");
        }
        if (valueSizes.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--value-sizes needs at least one size");
        }
        if (lsnsPerKey < 1 || lsnsPerKey > 1 << 20) {
            throw new ParameterException(spec.commandLine(), "invalid --lsns-per-key " + lsnsPerKey
                    + ": must be in [1, 1048576]");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "invalid --dir " + dir + ": not a directory");
        }
        ImageCompressionAlgorithm comp = compression(spec);
        List<LayerPlan> plans = new ArrayList<>();
        for (LayerKind kind : new LinkedHashSet<>(kinds)) {
            for (long vs : new LinkedHashSet<>(valueSizes)) {
                if (vs > MAX_VALUE_SIZE) {
                    throw new ParameterException(spec.commandLine(), "invalid --value-sizes entry "
                            + Sizes.format(vs) + ": at most " + Sizes.format(MAX_VALUE_SIZE));
                }
                if (size < vs) {
                    throw new ParameterException(spec.commandLine(), "invalid --size " + Sizes.format(size)
                            + ": smaller than one value of " + Sizes.format(vs));
                }
                if (size / vs > Integer.MAX_VALUE) {
                    throw new ParameterException(spec.commandLine(), "--size " + Sizes.format(size) + " of "
                            + Sizes.format(vs) + "-byte values is " + size / vs + " values: at most "
                            + Integer.MAX_VALUE + " per layer");
                }
                LayerPlan plan = LayerPlan.of(kind, (int) vs, size, lsnsPerKey, comp, dir);
                if (kind == LayerKind.DELTA && plan.estimatedFileBytes() > LayerPlan.DELTA_FILE_LIMIT) {
                    throw new ParameterException(spec.commandLine(), "--size " + Sizes.format(size) + " of "
                            + Sizes.format(vs) + "-byte values makes a delta layer of about "
                            + plan.estimatedFileBytes() / Sizes.MIB + " MiB, above the "
                            + LayerPlan.DELTA_FILE_LIMIT + "-byte limit of delta layer files; use a smaller --size");
                }
                plans.add(plan);
            }
        }
        return plans;
    }

    /** Common JSON fields of both commands. */
    void putJson(ObjectNode root, CommandSpec spec, int rounds,
                 String engineDescription, String fioVersion) {
        root.put("dir", dir.toAbsolutePath().toString());
        root.put("size_bytes", size);
        ArrayNode vs = root.putArray("value_sizes");
        new LinkedHashSet<>(valueSizes).forEach(vs::add);
        ArrayNode ks = root.putArray("kinds");
        new LinkedHashSet<>(kinds).forEach(k -> ks.add(k.optionName()));
        root.put("compression", compression(spec).toString());
        root.put("lsns_per_key", lsnsPerKey);
        root.put("engine", engine.label());
        root.put("engine_describe", engineDescription);
        root.put("rounds", rounds);
        if (fioVersion == null) {
            root.putNull("fio");
        } else {
            root.put("fio", fioVersion);
        }
    }
}
