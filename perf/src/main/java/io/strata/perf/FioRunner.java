package io.strata.perf;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs fio (found on PATH) as the yardstick: one job, io_uring, O_DIRECT, time-based, JSON output. */
final class FioRunner {
    /** The queue depth of {@link #sequentialArguments}. */
    static final int SEQUENTIAL_QD = 4;

    private final Path executable;

    private FioRunner(Path executable) {
        this.executable = executable;
    }

    /** fio from PATH, if there is one. */
    static Optional<FioRunner> locate() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "fio");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(new FioRunner(candidate));
            }
        }
        return Optional.empty();
    }

    Path executable() {
        return executable;
    }

    /** fio's version line, e.g. {@code fio-3.33}, or "unknown". */
    String version() {
        try {
            Process p = new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return out.isEmpty() ? "unknown" : out;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /**
     * The fio command line for one run.
     *
     * @param rw fio's {@code --rw}: randread, read or write
     */
    static List<String> arguments(String rw, Path file, long size, int block, int qd, int seconds,
                                  int warmupSeconds) {
        List<String> a = new ArrayList<>();
        a.add("--name=" + rw);
        a.add("--filename=" + file);
        a.add("--rw=" + rw);
        a.add("--bs=" + block);
        a.add("--direct=1");
        a.add("--ioengine=io_uring");
        a.add("--iodepth=" + qd);
        a.add("--runtime=" + seconds);
        a.add("--time_based");
        if (warmupSeconds > 0) {
            a.add("--ramp_time=" + warmupSeconds);
        }
        a.add("--size=" + size);
        a.add("--numjobs=1");
        a.add("--percentile_list=50:99:99.9");
        a.add("--output-format=json");
        return a;
    }

    /**
     * The fio command line of a size-based sequential pass, the yardstick of the layer benchmarks: 1 MiB
     * O_DIRECT transfers through io_uring, 4 in flight, once over the file (no time limit).
     *
     * @param rw       {@code read} or {@code write}
     * @param size     bytes to transfer, or 0 for the whole (existing) file
     * @param readonly adds {@code --readonly}, so fio refuses to write the file it reads (a layer)
     */
    static List<String> sequentialArguments(String rw, Path file, long size, boolean readonly) {
        List<String> a = new ArrayList<>();
        a.add("--name=seq" + rw);
        a.add("--filename=" + file);
        a.add("--rw=" + rw);
        a.add("--bs=1m");
        a.add("--iodepth=" + SEQUENTIAL_QD);
        a.add("--direct=1");
        a.add("--ioengine=io_uring");
        if (size > 0) {
            a.add("--size=" + size);
        }
        if (readonly) {
            a.add("--readonly");
        }
        if (rw.equals("write")) {
            a.add("--end_fsync=1"); // the layer writer's figure includes its fsync too
        }
        a.add("--numjobs=1");
        a.add("--percentile_list=50:99:99.9");
        a.add("--output-format=json");
        return a;
    }

    /** Runs fio and parses its report; {@code direction} is {@code read} or {@code write}. */
    EngineResult run(List<String> arguments, String direction, int qd, int seconds, int warmupSeconds)
            throws IOException, InterruptedException {
        return runJobs(arguments, List.of(direction), qd, seconds, warmupSeconds).get(0);
    }

    /**
     * Runs fio with several jobs at once ({@code --name} starts each); job {@code i}'s figures are read for
     * {@code directions.get(i)}.
     */
    List<EngineResult> runJobs(List<String> arguments, List<String> directions, int qd, int seconds,
                               int warmupSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.addAll(arguments);
        Path errFile = Files.createTempFile("strata-perf-fio", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
            p.getOutputStream().close();
            // fio writes its report at the end; reading stdout to EOF does not block the run
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(seconds + warmupSeconds + 120L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("fio did not finish: " + String.join(" ", cmd));
            }
            String err = Files.readString(errFile);
            if (p.exitValue() != 0) {
                throw new IOException("fio exited with " + p.exitValue() + ": " + String.join(" ", cmd) + "\n"
                        + FioJson.abbreviate(err + "\n" + out));
            }
            try {
                List<EngineResult> results = new ArrayList<>();
                for (int i = 0; i < directions.size(); i++) {
                    results.add(FioJson.parse(out, directions.get(i), qd, i));
                }
                return results;
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage() + " (command: " + String.join(" ", cmd) + "; stderr: "
                        + FioJson.abbreviate(err) + ")", e);
            }
        } finally {
            Files.deleteIfExists(errFile);
        }
    }
}
