package io.strata.perf;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code strata-perf}: Strata's load generators and benchmarks, one picocli subcommand each.
 *
 * <p>To add a benchmark, write a {@code @Command(name = "...", mixinStandardHelpOptions = true)} class that
 * implements {@code Callable<Integer>} (0 on success; throw on failure) and list it in {@code subcommands} below.
 * Print progress to the command's err writer and the report (ending with one JSON line) to its out writer.
 */
@Command(name = "strata-perf", mixinStandardHelpOptions = true, version = "strata-perf 0.1.0",
        description = "Strata's benchmarks. Run 'strata-perf <command> --help' for a command's options.",
        subcommands = {
            IoRandReadCommand.class,
            IoSeqCommand.class,
            LayerWriteCommand.class,
            LayerScanCommand.class,
            GetPageCommand.class,
            ScanCommand.class,
            JmhCommand.class,
            ReportCommand.class,
            LayerMapCommand.class,
            IngestCommand.class,
            CompactL0Command.class,
            CompactImageCommand.class,
            CompactGcCommand.class,
            ServiceCommand.class,
            SoakCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class StrataPerf implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs a command line with the given writers and returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new StrataPerf());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("strata-perf: " + ex.getMessage());
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for the options.");
            c.getErr().flush();
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("strata-perf " + commandLine.getCommandName() + ": error: " + describe(ex));
            if (Boolean.getBoolean("strata.perf.stacktrace")) {
                ex.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(run with -Dstrata.perf.stacktrace=true for the stack trace)");
            }
            commandLine.getErr().flush();
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The message of an error and its causes, without repeating a cause already quoted. */
    static String describe(Throwable ex) {
        StringBuilder sb = new StringBuilder(String.valueOf(ex.getMessage() != null ? ex.getMessage() : ex));
        for (Throwable c = ex.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            String m = c.getMessage() != null ? c.getMessage() : c.toString();
            if (!sb.toString().contains(m)) {
                sb.append(": ").append(m);
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }
}
