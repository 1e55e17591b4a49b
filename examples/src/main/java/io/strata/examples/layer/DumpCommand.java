package io.strata.examples.layer;

import com.fasterxml.jackson.core.JsonGenerator;
import io.strata.engine.layer.LayerEntry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata layer dump FILE [--values]}: the summary as one JSON line, then optionally every entry. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Print a layer file's summary as one JSON line; with --values, then one JSON line per "
                + "entry in file order: {\"key\":\"<36 hex>\",\"lsn\":\"X/X\",\"value\":V}, V being "
                + "{\"image\":\"<base64>\"} or {\"wal\":{\"will_init\":BOOL,\"record\":\"<base64 bincode "
                + "NeonWalRecord>\"}}. The output is the input of 'strata layer build'.",
                "The kind (image or delta) comes from the magic in block 0, not from the file name."})
final class DumpCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The layer file.")
    Path file;

    @Option(names = "--values", description = "Also print every entry (streamed, in file order).")
    boolean values;

    @Override
    public Integer call() throws Exception {
        LayerFiles.detect(file);
        PrintWriter out = spec.commandLine().getOut();
        try (LayerFiles.Session session = new LayerFiles.Session(file.toAbsolutePath().getParent());
             LayerFiles.OpenLayer layer = session.open(file)) {
            JsonGenerator g = LayerJson.lines(out);
            LayerJson.writeSummary(g, layer.summary());
            if (values) {
                // Consumed on this thread with bounded prefetch: the iterator reads ahead at most 256 entries.
                try (Stream<LayerEntry> entries = layer.entries(session.readPool, session.iteratorOptions)
                        .toStream(256)) {
                    for (Iterator<LayerEntry> it = entries.iterator(); it.hasNext(); ) {
                        LayerJson.writeEntry(g, it.next());
                    }
                } catch (RuntimeException e) {
                    g.flush();
                    out.flush();
                    throw LayerFiles.fileError(file, e);
                }
            }
            g.flush();
            out.flush();
        }
        return 0;
    }
}
