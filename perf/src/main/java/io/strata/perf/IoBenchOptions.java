package io.strata.perf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options every io benchmark shares (a picocli mixin); block size and queue depths are each command's own. */
final class IoBenchOptions {
    static final int MIN_ALIGNMENT = 4096;

    @Option(names = "--file", required = true, paramLabel = "F",
            description = "Data file to read (made or extended with random data when missing or short).")
    Path file;

    @Option(names = "--size", defaultValue = "1g", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Bytes of the file to use, e.g. 512, 8k, 1m, 1g (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "S",
            description = "Measured seconds per engine and queue depth (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "1", paramLabel = "W",
            description = "Unmeasured seconds before each measurement; fio's --ramp_time (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--engine", split = ",", defaultValue = "uring,filechannel", paramLabel = "ENGINE",
            converter = BenchEngineConverter.class,
            description = "Strata engines to run, comma-separated: uring, filechannel (default: ${DEFAULT-VALUE}).")
    List<BenchEngine> engines = new ArrayList<>();

    @Option(names = "--no-fio", description = "Do not run fio for comparison, even when it is on PATH.")
    boolean noFio;

    @Option(names = "--rounds", defaultValue = "1", paramLabel = "R",
            description = "Runs of each queue depth, interleaved across engines; the table shows each engine's "
                    + "median round by IOPS (default: ${DEFAULT-VALUE}). Use 3 or more on noisy (virtual) disks.")
    int rounds;

    @Option(names = "--rings", defaultValue = "1", paramLabel = "N",
            description = "io_uring rings (event loop threads) of the uring engine; 1 matches fio's single job "
                    + "(default: ${DEFAULT-VALUE}).")
    int rings;

    /** The engines without repeats, in the order given. */
    List<BenchEngine> distinctEngines() {
        return new ArrayList<>(new LinkedHashSet<>(engines));
    }

    /** Checks the shared options and the command's block size and queue depths; clear messages for bad values. */
    void validate(CommandSpec spec, long block, List<Integer> qds) {
        if (block % MIN_ALIGNMENT != 0) {
            throw new ParameterException(spec.commandLine(), "invalid --block " + Sizes.format(block) + " (" + block
                    + " bytes): O_DIRECT needs a multiple of " + MIN_ALIGNMENT + " bytes, e.g. 4k, 8k, 1m");
        }
        if (block > Integer.MAX_VALUE / 2) {
            throw new ParameterException(spec.commandLine(), "invalid --block " + Sizes.format(block)
                    + ": at most 1g");
        }
        if (size < block) {
            throw new ParameterException(spec.commandLine(), "invalid --size " + Sizes.format(size)
                    + ": smaller than one --block of " + Sizes.format(block));
        }
        if (size % block != 0) {
            throw new ParameterException(spec.commandLine(), "invalid --size " + Sizes.format(size) + " (" + size
                    + " bytes): must be a multiple of --block " + Sizes.format(block));
        }
        if (qds == null || qds.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--qd needs at least one queue depth");
        }
        if (seconds < 1) {
            throw new ParameterException(spec.commandLine(), "invalid --seconds " + seconds + ": must be >= 1");
        }
        if (warmupSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "invalid --warmup-seconds " + warmupSeconds
                    + ": must be >= 0");
        }
        if (engines.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--engine needs at least one of uring, filechannel");
        }
        if (rounds < 1 || rounds > 100) {
            throw new ParameterException(spec.commandLine(), "invalid --rounds " + rounds + ": must be in [1, 100]");
        }
        if (rings < 1 || rings > 64) {
            throw new ParameterException(spec.commandLine(), "invalid --rings " + rings + ": must be in [1, 64]");
        }
        if (file.getFileName() == null) {
            throw new ParameterException(spec.commandLine(), "invalid --file " + file + ": not a file name");
        }
    }
}
