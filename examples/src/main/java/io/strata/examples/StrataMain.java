package io.strata.examples;

import io.strata.examples.host.ReadStreamExample;
import io.strata.examples.layer.LayerCommand;
import io.strata.examples.layermap.TimelineCommand;
import io.strata.examples.service.CompactCommand;
import io.strata.examples.service.GcCommand;
import io.strata.examples.service.ServeCommand;
import java.io.InputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code strata} command line. */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0",
        description = "Strata: a reactive storage engine for versioned pages on io_uring direct I/O.",
        subcommands = {ServeCommand.class, CompactCommand.class, GcCommand.class, ReadStreamExample.class,
                DemoCommand.class, LayerCommand.class, TimelineCommand.class})
public final class StrataMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The configured command line: errors print one line naming the problem (stack trace with -Dstrata.verboseErrors=true). */
    public static CommandLine commandLine() {
        return commandLine(System.in);
    }

    /** As {@link #commandLine()}, with commands that read standard input ({@link ReadsStdin}) reading {@code stdin}. */
    public static CommandLine commandLine(InputStream stdin) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K k = defaults.create(cls);
                if (k instanceof ReadsStdin r) {
                    r.stdin(stdin);
                }
                return k;
            }
        };
        CommandLine cl = new CommandLine(new StrataMain(), factory);
        cl.getSubcommands().get("serve").getCommandSpec().usageMessage().footer(ServeCommand.settingsHelp());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("strata: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (Boolean.getBoolean("strata.verboseErrors")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
