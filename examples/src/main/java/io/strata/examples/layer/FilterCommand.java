package io.strata.examples.layer;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code strata layer filter}: Neon's {@code ImageLayerInner::filter} as a command, what a shard split does to
 * an image layer: the keys one shard keeps are copied (as raw blobs, no recompression) into a new image layer
 * with the same key range, LSN, tenant and timeline.
 */
@Command(name = "filter", mixinStandardHelpOptions = true,
        description = {"Write the part of an image layer that one shard keeps into a new image layer (same key "
                + "range and LSN) in DIR and print its path; if the shard keeps no key, nothing is written. "
                + "Delta layers are not accepted."})
final class FilterCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The image layer file.")
    Path file;

    @Option(names = "--shard", required = true, paramLabel = "NUMBER/COUNT/STRIPE",
            description = "The shard: its number, the shard count and the stripe size in pages (decimal or 0x "
                    + "hex), e.g. 2/4/2048.")
    String shard;

    @Option(names = "--generation", paramLabel = "HEX8",
            description = "Generation suffix of the new file (default: no generation).")
    String generation;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the new layer.")
    Path out;

    @Override
    public Integer call() throws Exception {
        ShardIdentity identity = Options.shard(shard);
        Generation gen = generation == null ? Generation.none() : Options.generation(generation);
        if (LayerFiles.detect(file) != LayerFiles.Kind.IMAGE) {
            throw new LayerCliException(file + ": is a delta layer; filter takes image layers only");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new LayerCliException(out + ": not a directory");
        }
        Files.createDirectories(out);
        String shardText = identity.number() + "/" + identity.count() + "/" + Integer.toUnsignedString(
                identity.stripeSize());
        PrintWriter stdout = spec.commandLine().getOut();
        try (LayerFiles.Session session = new LayerFiles.Session(file.toAbsolutePath().getParent(), out);
             LayerFiles.OpenLayer layer = session.open(file)) {
            ImageLayerSummary s = layer.image.summary();
            LayerWriteContext ctx = new LayerWriteContext(session.engine, session.writePool(), out, s.tenantId(),
                    s.timelineId(), gen);
            Path target = ctx.finalPath(new ImageLayerName(s.keyRange(), s.lsn()));
            if (Files.exists(target)) {
                throw new LayerCliException(target + ": already exists; not overwriting it");
            }
            // Blobs are copied raw, so the writer's compression setting never applies.
            ImageLayerWriter writer = ImageLayerWriter.create(ctx, s.keyRange(), s.lsn(),
                    ImageCompressionAlgorithm.DISABLED).block(LayerFiles.T);
            try {
                Long kept = layer.image.filter(identity, writer, session.readPool).block();
                if (kept == null || kept == 0) {
                    writer.abort().block(LayerFiles.T);
                    stdout.println("shard " + shardText + " keeps no key of " + file + ": nothing written");
                } else {
                    WrittenLayer<ImageLayerSummary> written = writer.finish().block(LayerFiles.T);
                    stdout.println(written.path());
                }
                stdout.flush();
            } catch (Throwable e) {
                try {
                    writer.abort().block(LayerFiles.T);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw LayerFiles.fileError(file, e);
            }
        }
        return 0;
    }
}
