package io.strata.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code strata} command line. */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0",
        description = "Strata: a reactive storage engine for versioned pages on io_uring direct I/O.",
        subcommands = {DemoCommand.class})
public final class StrataMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new StrataMain()).execute(args));
    }
}
