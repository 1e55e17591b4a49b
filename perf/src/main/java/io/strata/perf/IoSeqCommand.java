package io.strata.perf;

import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code io-seq}: sequential O_DIRECT reads of --file and writes of a new F.write, QD blocks in flight, Strata's
 * engines against fio and against each other.
 */
@Command(name = "io-seq", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Sequential O_DIRECT transfers of one block with exactly QD in flight, for each mode, queue depth and "
                    + "engine. Reads stride through the first --size bytes of --file, wrapping; writes go to a new "
                    + "file F.write preallocated to --size (wrapping), deleted afterwards. fio runs the same load "
                    + "when it is on PATH: first in odd rounds, after the engines in even ones.",
            "Prints a table, then the figures as one JSON object on the last line."})
final class IoSeqCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    IoBenchOptions io;

    @Option(names = "--block", defaultValue = "1m", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Bytes per transfer, a multiple of 4k (default: ${DEFAULT-VALUE}).")
    long block;

    @Option(names = "--qd", split = ",", defaultValue = "1,4,16", converter = QueueDepthConverter.class,
            paramLabel = "QD", description = "Queue depths, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> qds = new ArrayList<>();

    @Option(names = "--mode", split = ",", defaultValue = "read,write", paramLabel = "MODE",
            description = "read, write or both, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> modes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        io.validate(spec, block, qds);
        List<ClosedLoopRun.Direction> directions = directions();
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        Optional<FioRunner> fio = io.noFio ? Optional.empty() : FioRunner.locate();
        String fioVersion = fio.map(FioRunner::version).orElse(null);
        if (!io.noFio) {
            progress.line(fio.isPresent() ? "comparing with " + fioVersion + " (" + fio.get().executable() + ")"
                    : "fio is not on PATH: running Strata's engines only");
        }
        int maxQd = Collections.max(qds);
        Path writeFile = Path.of(io.file.toString() + ".write");
        CpuClock cpu = new CpuClock();
        List<Comparison> comparisons = new ArrayList<>();
        try (EngineSet engines = EngineSet.open(io.distinctEngines(), maxQd, io.rings, progress)) {
            if (directions.contains(ClosedLoopRun.Direction.READ)) {
                BenchFile.ensure(engines.first(), io.file, io.size, progress);
            }
            if (directions.contains(ClosedLoopRun.Direction.WRITE) && Files.deleteIfExists(writeFile)) {
                progress.line("removed " + writeFile + " left by an earlier run");
            }
            for (ClosedLoopRun.Direction dir : directions) {
                boolean write = dir == ClosedLoopRun.Direction.WRITE;
                String mode = write ? "write" : "read";
                Path target = write ? writeFile : io.file;
                for (int qd : qds) {
                    Comparison c = new Comparison(mode, qd);
                    for (int round = 1; round <= io.rounds; round++) {
                        runRound(c, dir, target, writeFile, round, fio, engines, cpu, progress);
                    }
                    comparisons.add(c);
                }
            }
        } finally {
            Files.deleteIfExists(writeFile);
        }
        ResultTable.print(out, comparisons, true, true);
        out.println(JsonReport.line("io-seq", io, block, fioVersion, comparisons, true));
        out.flush();
        return 0;
    }

    /**
     * One round of one mode at one queue depth, back to back: fio first, then each engine, in odd rounds; the engines
     * first, then fio, in even ones. The virtual disk here flips between about 2.5 and 1.5 GB/s from one run to the
     * next (session 21: Strata alone at QD 4 read 2,326, 2,475, 1,609 and 2,524 MiB/s in four rounds), and with fio
     * always first its runs and the engines' fell in different modes; alternating the order spreads the modes.
     */
    private void runRound(Comparison c, ClosedLoopRun.Direction dir, Path target, Path writeFile, int round,
                          Optional<FioRunner> fio, EngineSet engines, CpuClock cpu, Progress progress)
            throws Exception {
        boolean fioFirst = round % 2 == 1;
        if (fioFirst) {
            runFio(c, dir, target, writeFile, round, fio, progress);
        }
        runEngines(c, dir, target, writeFile, round, engines, cpu, progress);
        if (!fioFirst) {
            runFio(c, dir, target, writeFile, round, fio, progress);
        }
    }

    private String roundOf(int round) {
        return io.rounds > 1 ? " (round " + round + " of " + io.rounds + ")" : "";
    }

    private void runFio(Comparison c, ClosedLoopRun.Direction dir, Path target, Path writeFile, int round,
                        Optional<FioRunner> fio, Progress progress) throws Exception {
        boolean write = dir == ClosedLoopRun.Direction.WRITE;
        String mode = c.mode();
        int qd = c.qd();
        int b = (int) block;
        String of = roundOf(round);
        if (fio.isPresent()) {
            progress.line("qd " + qd + ": fio " + mode + " " + Sizes.format(block) + " on " + target + of);
            try {
                c.add(fio.get().run(FioRunner.arguments(mode, target, io.size, b, qd, io.seconds, io.warmupSeconds),
                        mode, qd, io.seconds, io.warmupSeconds));
            } finally {
                if (write) {
                    Files.deleteIfExists(writeFile);
                }
            }
            progress.line("  " + IoRandReadCommand.summary(c.last(Comparison.FIO)));
        }
    }

    private void runEngines(Comparison c, ClosedLoopRun.Direction dir, Path target, Path writeFile, int round,
                            EngineSet engines, CpuClock cpu, Progress progress) throws Exception {
        boolean write = dir == ClosedLoopRun.Direction.WRITE;
        String mode = c.mode();
        int qd = c.qd();
        int b = (int) block;
        String of = roundOf(round);
        for (Map.Entry<BenchEngine, IoEngine> e : engines.engines().entrySet()) {
            progress.line("qd " + qd + ": " + e.getKey().label() + " " + mode + " " + Sizes.format(block) + " on "
                    + target + of);
            ClosedLoopRun.Settings settings = new ClosedLoopRun.Settings(dir, b, qd,
                    TimeUnit.SECONDS.toNanos(io.warmupSeconds), TimeUnit.SECONDS.toNanos(io.seconds));
            EngineResult r;
            try {
                r = EngineRun.run(e.getKey(), e.getValue(), target,
                        write ? OpenMode.CREATE_NEW_WRITE : OpenMode.READ, settings,
                        OffsetPlan.sequential(io.size, b), cpu, write ? io.size : 0);
            } finally {
                if (write) {
                    Files.deleteIfExists(writeFile);
                }
            }
            c.add(r);
            progress.line("  " + IoRandReadCommand.summary(r));
        }
    }

    private List<ClosedLoopRun.Direction> directions() {
        LinkedHashSet<ClosedLoopRun.Direction> dirs = new LinkedHashSet<>();
        for (String m : modes) {
            switch (m.trim().toLowerCase(Locale.ROOT)) {
                case "read" -> dirs.add(ClosedLoopRun.Direction.READ);
                case "write" -> dirs.add(ClosedLoopRun.Direction.WRITE);
                default -> throw new ParameterException(spec.commandLine(), "invalid --mode '" + m
                        + "': expected read, write or read,write");
            }
        }
        if (dirs.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--mode needs read, write or both");
        }
        return new ArrayList<>(dirs);
    }
}
