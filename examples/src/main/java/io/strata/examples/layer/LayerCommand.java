package io.strata.examples.layer;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code strata layer}: inspect and produce layer files, the counterpart of Neon's {@code pagectl layer}. The
 * summary and the values travel as JSON lines, so {@code dump --values} output is {@code build} input.
 */
@Command(name = "layer", mixinStandardHelpOptions = true,
        description = "Inspect, build, rewrite and shard-filter Neon layer files (image and delta).",
        subcommands = {DumpCommand.class, BuildCommand.class, RewriteSummaryCommand.class, FilterCommand.class})
public final class LayerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
