package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.annotations.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jmh}: the hot-path microbenchmarks of {@code io.strata.perf.jmh} through JMH's runner, average time per
 * operation; a short default run (for run-all) that the options lengthen.
 */
@Command(name = "jmh", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs the JMH microbenchmarks whose name matches REGEX (default: all): B-tree point lookup on a cached "
                    + "index, blob decode (uncompressed and zstd), Key.compareTo, MergeIterator step, LayerMap.search.",
            "Prints a table of ns/op, then the figures as one JSON object on the last line."})
final class JmhCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = "io\\.strata\\.perf\\.jmh\\..*", paramLabel = "REGEX",
            description = "Benchmarks to run (a regular expression over class.method) (default: all).")
    String regex;

    @Option(names = "--forks", defaultValue = "1", description = "JVM forks per benchmark; 0 runs in this JVM "
            + "(default: ${DEFAULT-VALUE}).")
    int forks;

    @Option(names = "--warmup-iterations", defaultValue = "2", paramLabel = "N",
            description = "Warm-up iterations (default: ${DEFAULT-VALUE}).")
    int warmupIterations;

    @Option(names = "--iterations", defaultValue = "3", paramLabel = "N",
            description = "Measured iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--iteration-ms", defaultValue = "1000", paramLabel = "MS",
            description = "Milliseconds per iteration (default: ${DEFAULT-VALUE}).")
    int iterationMs;

    @Override
    public Integer call() throws Exception {
        if (forks < 0 || warmupIterations < 0 || iterations < 1 || iterationMs < 10) {
            throw new ParameterException(spec.commandLine(), "need --forks >= 0, --warmup-iterations >= 0, "
                    + "--iterations >= 1 and --iteration-ms >= 10");
        }
        Progress progress = new Progress(spec.commandLine().getErr());
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(regex)
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.NANOSECONDS)
                .forks(forks)
                .warmupIterations(warmupIterations)
                .warmupTime(TimeValue.milliseconds(iterationMs))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(iterationMs))
                // the forked JVM needs what the jar's manifest gives 'java -jar': Agrona reaches jdk.internal.misc
                .jvmArgsAppend("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        progress.line("jmh: " + regex + ", " + forks + " fork(s), " + warmupIterations + " + " + iterations
                + " iterations of " + iterationMs + " ms");
        // JMH's own progress and table go to stderr with ours: stdout is the report ending with the JSON line
        java.io.PrintStream jmhOut = new java.io.PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true,
                java.nio.charset.StandardCharsets.UTF_8);
        Collection<RunResult> results = new Runner(opts.build(),
                OutputFormatFactory.createFormatInstance(jmhOut, VerboseMode.NORMAL)).run();
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no benchmark matches '" + regex + "' (the jar's META-INF/BenchmarkList "
                    + "lists io.strata.perf.jmh.*)");
        }
        print(spec.commandLine().getOut(), results);
        return 0;
    }

    private void print(PrintWriter out, Collection<RunResult> results) {
        List<List<String>> rows = new ArrayList<>();
        ObjectNode root = JsonReport.object();
        root.put("benchmark", "jmh");
        root.put("forks", forks);
        root.put("warmup_iterations", warmupIterations);
        root.put("iterations", iterations);
        root.put("iteration_ms", iterationMs);
        JsonReport.putHost(root);
        ArrayNode arr = root.putArray("results");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replace("io.strata.perf.jmh.", "");
            StringBuilder params = new StringBuilder();
            for (String k : r.getParams().getParamsKeys()) {
                params.append(params.length() == 0 ? "" : ",").append(k).append('=').append(r.getParams().getParam(k));
            }
            Result<?> p = r.getPrimaryResult();
            rows.add(List.of(name, params.toString(), ResultTable.num(p.getScore(), 2),
                    ResultTable.num(p.getScoreError(), 2), p.getScoreUnit()));
            ObjectNode n = arr.addObject();
            n.put("name", name);
            ObjectNode ps = n.putObject("params");
            for (String k : r.getParams().getParamsKeys()) {
                ps.put(k, r.getParams().getParam(k));
            }
            EngineResult.put(n, "score", p.getScore(), 3);
            EngineResult.put(n, "error", p.getScoreError(), 3);
            n.put("unit", p.getScoreUnit());
        }
        ResultTable.printRows(out, List.of("benchmark", "params", "score", "error", "unit"), rows,
                Set.of("benchmark", "params", "unit"));
        out.println(JsonReport.write(root));
        out.flush();
    }

    /** Bytes to a writer (JMH prints to a stream; the command's err is a writer, as picocli gives it). */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final PrintWriter writer;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        WriterOutputStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            writer.print(line.toString(java.nio.charset.StandardCharsets.UTF_8));
            writer.flush();
            line.reset();
        }
    }
}
