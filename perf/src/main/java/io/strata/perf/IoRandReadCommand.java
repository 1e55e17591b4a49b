package io.strata.perf;

import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code io-randread}: random aligned O_DIRECT reads at fixed queue depths, Strata's engines against fio. */
@Command(name = "io-randread", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Random aligned O_DIRECT reads of one block over the first --size bytes of --file, keeping exactly QD "
                    + "reads in flight, for each queue depth and engine; fio runs the same load first when it "
                    + "is on PATH.",
            "Prints a table, then the figures as one JSON object on the last line."})
final class IoRandReadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    IoBenchOptions io;

    @Option(names = "--block", defaultValue = "8k", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Bytes per read, a multiple of 4k (default: ${DEFAULT-VALUE}).")
    long block;

    @Option(names = "--qd", split = ",", defaultValue = "1,8,32,128", converter = QueueDepthConverter.class,
            paramLabel = "QD", description = "Queue depths, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> qds = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random offsets (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        io.validate(spec, block, qds);
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Optional<FioRunner> fio = io.noFio ? Optional.empty() : FioRunner.locate();
        String fioVersion = fio.map(FioRunner::version).orElse(null);
        if (!io.noFio) {
            progress.line(fio.isPresent() ? "comparing with " + fioVersion + " (" + fio.get().executable() + ")"
                    : "fio is not on PATH: running Strata's engines only");
        }
        int maxQd = Collections.max(qds);
        CpuClock cpu = new CpuClock();
        List<Comparison> comparisons = new ArrayList<>();
        try (EngineSet engines = EngineSet.open(io.distinctEngines(), maxQd, io.rings, progress)) {
            BenchFile.ensure(engines.first(), io.file, io.size, progress);
            for (int qd : qds) {
                Comparison c = new Comparison(null, qd);
                for (int round = 1; round <= io.rounds; round++) {
                    runRound(c, round, fio, engines, cpu, progress);
                }
                comparisons.add(c);
            }
        }
        ResultTable.print(out, comparisons, false, false);
        out.println(JsonReport.line("io-randread", io, block, fioVersion, comparisons, false));
        out.flush();
        return 0;
    }

    /** One round at one queue depth: fio first, then each engine, back to back. */
    private void runRound(Comparison c, int round, Optional<FioRunner> fio, EngineSet engines, CpuClock cpu,
                          Progress progress) throws Exception {
        int qd = c.qd();
        int b = (int) block;
        String of = io.rounds > 1 ? " (round " + round + " of " + io.rounds + ")" : "";
        if (fio.isPresent()) {
            progress.line("qd " + qd + ": fio randread " + Sizes.format(block) + " on " + io.file + of);
            c.add(fio.get().run(FioRunner.arguments("randread", io.file, io.size, b, qd, io.seconds,
                    io.warmupSeconds), "read", qd, io.seconds, io.warmupSeconds));
            progress.line("  " + summary(c.last(Comparison.FIO)));
        }
        for (Map.Entry<BenchEngine, IoEngine> e : engines.engines().entrySet()) {
            progress.line("qd " + qd + ": " + e.getKey().label() + " randread " + Sizes.format(block) + " on "
                    + io.file + of);
            ClosedLoopRun.Settings settings = new ClosedLoopRun.Settings(ClosedLoopRun.Direction.READ, b, qd,
                    TimeUnit.SECONDS.toNanos(io.warmupSeconds), TimeUnit.SECONDS.toNanos(io.seconds));
            EngineResult r = EngineRun.run(e.getKey(), e.getValue(), io.file, OpenMode.READ, settings,
                    OffsetPlan.random(io.size, b, seed + 1000L * round + qd), cpu, 0);
            c.add(r);
            progress.line("  " + summary(r));
        }
    }

    static String summary(EngineResult r) {
        return String.format("%s qd %d: %.0f IOPS, %.1f MiB/s, p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
                + "cpu %.2f us/op", r.engine(), r.qd(), r.iops(), r.mibPerSec(), r.p50Us(), r.p99Us(), r.p999Us(),
                r.cpuUsPerOp());
    }
}
