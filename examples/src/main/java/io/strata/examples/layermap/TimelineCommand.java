package io.strata.examples.layermap;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code strata timeline}: look at a timeline of a data directory. */
@Command(name = "timeline", mixinStandardHelpOptions = true,
        description = "Inspect the timelines of a Strata data directory.",
        subcommands = {DrawCommand.class})
public final class TimelineCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
