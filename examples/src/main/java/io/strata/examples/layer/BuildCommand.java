package io.strata.examples.layer;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.value.Value;
import io.strata.examples.ReadsStdin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import reactor.core.publisher.Mono;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata layer build}: writes one layer from the JSON lines of {@code dump --values} read from standard
 * input, through the engine's writers, and prints the finished file's path. Every entry is checked before it is
 * written; on any failure the writer is aborted, so no file (finished or temporary) is left behind.
 */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build a layer file from JSON lines on standard input, in the format 'strata layer dump "
                + "--values' prints (a leading summary line is skipped after checking its kind; the options "
                + "describe the new layer), entries sorted by key then LSN. Image layers take images only, each "
                + "at exactly --lsn; delta layers take images and WAL records with LSNs in --lsn-range. Prints the path of the finished file, named as Neon names "
                + "it (<KEYSTART>-<KEYEND>__<LSN>[-v1-<gen>])."})
final class BuildCommand implements Callable<Integer>, ReadsStdin {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kind", required = true, paramLabel = "image|delta", description = "The layer kind.")
    String kind;

    @Option(names = "--tenant", required = true, paramLabel = "HEX32", description = "Tenant id (32 hex digits).")
    String tenant;

    @Option(names = "--timeline", required = true, paramLabel = "HEX32",
            description = "Timeline id (32 hex digits).")
    String timeline;

    @Option(names = "--key-range", required = true, paramLabel = "START-END",
            description = "The layer's key range [START, END), two 36-hex-digit keys.")
    String keyRange;

    @ArgGroup(exclusive = true, multiplicity = "1")
    LsnChoice lsnChoice;

    static final class LsnChoice {
        @Option(names = "--lsn", required = true, paramLabel = "X/X", description = "Image layers: the LSN.")
        String lsn;

        @Option(names = "--lsn-range", required = true, paramLabel = "X/X-X/X",
                description = "Delta layers: the LSN range [START, END).")
        String lsnRange;
    }

    @Option(names = "--compression", paramLabel = "none|zstd|zstd(N)",
            description = "Image blob compression (default: none). Delta values are never compressed.")
    String compression;

    @Option(names = "--generation", paramLabel = "HEX8",
            description = "Tenant generation: the file name gets the suffix -v1-<HEX8> (default: no generation).")
    String generation;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the layer file.")
    Path out;

    private InputStream stdin = System.in;

    @Override
    public void stdin(InputStream in) {
        this.stdin = in;
    }

    @Override
    public Integer call() throws Exception {
        LayerFiles.Kind k = LayerFiles.Kind.parse(kind);
        TenantId tenantId = Options.tenant(tenant);
        TimelineId timelineId = Options.timeline(timeline);
        KeyRange range = Options.keyRange("--key-range", keyRange);
        Generation gen = generation == null ? Generation.none() : Options.generation(generation);
        ImageCompressionAlgorithm algo = compression == null ? ImageCompressionAlgorithm.DISABLED
                : Options.compression(compression);
        Lsn lsn = null;
        Lsn[] lsns = null;
        LayerName name;
        if (k == LayerFiles.Kind.IMAGE) {
            if (lsnChoice.lsn == null) {
                throw new LayerCliException("an image layer is at one LSN: give --lsn, not --lsn-range");
            }
            lsn = Options.lsn("--lsn", lsnChoice.lsn);
            name = new ImageLayerName(range, lsn);
        } else {
            if (lsnChoice.lsnRange == null) {
                throw new LayerCliException("a delta layer covers an LSN range: give --lsn-range, not --lsn");
            }
            if (compression != null && algo != ImageCompressionAlgorithm.DISABLED) {
                throw new LayerCliException("--compression " + compression
                        + ": delta layer values are never compressed");
            }
            lsns = Options.lsnRange("--lsn-range", lsnChoice.lsnRange);
            name = new DeltaLayerName(range, lsns[0], lsns[1]);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new LayerCliException(out + ": not a directory");
        }
        Files.createDirectories(out);
        Path target = out.resolve(name.localFileName(gen));
        if (Files.exists(target)) {
            throw new LayerCliException(target + ": already exists; not overwriting it");
        }

        try (LayerFiles.Session session = new LayerFiles.Session(out)) {
            LayerWriteContext ctx = new LayerWriteContext(session.engine, session.writePool(), out, tenantId,
                    timelineId, gen);
            Sink sink = k == LayerFiles.Kind.IMAGE
                    ? new ImageSink(ImageLayerWriter.create(ctx, range, lsn, algo).block(LayerFiles.T))
                    : new DeltaSink(DeltaLayerWriter.create(ctx, range.start(), lsns[0], lsns[1])
                            .block(LayerFiles.T), range.end());
            WrittenLayer<?> written;
            try {
                copy(sink, k, range, lsn, lsns);
                written = sink.finish().block(LayerFiles.T);
            } catch (Throwable e) {
                try {
                    sink.abort().block(LayerFiles.T);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            spec.commandLine().getOut().println(written.path());
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /** Reads, checks and writes every entry; the first bad line stops everything. */
    private void copy(Sink sink, LayerFiles.Kind k, KeyRange range, Lsn lsn, Lsn[] lsns) {
        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        long lineNo = 0;
        long previousLine = 0;
        LayerEntry previous = null;
        long entries = 0;
        boolean seenFirst = false;
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (IOException e) {
                throw new LayerCliException("stdin: " + e.getMessage(), e);
            }
            if (line == null) {
                break;
            }
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            LayerEntry e;
            try {
                JsonNode json = LayerJson.parse(line);
                if (previous == null && !seenFirst) {
                    seenFirst = true;
                    String summaryKind = LayerJson.summaryKind(json);
                    if (summaryKind != null) {
                        // dump's first line: the options describe the new layer; only the kind must agree.
                        if (!summaryKind.equals(k.json)) {
                            throw new IllegalArgumentException("the summary line is of a " + summaryKind
                                    + " layer, but --kind is " + k.json);
                        }
                        continue;
                    }
                }
                e = LayerJson.parseEntry(json);
                check(e, previous, previousLine, k, range, lsn, lsns);
            } catch (IllegalArgumentException bad) {
                throw new LayerCliException("stdin line " + lineNo + ": " + bad.getMessage(), bad);
            }
            try {
                sink.put(e).block(LayerFiles.T);
            } catch (IllegalArgumentException rejected) {
                throw new LayerCliException("stdin line " + lineNo + ": " + rejected.getMessage(), rejected);
            }
            previous = e;
            previousLine = lineNo;
            entries++;
        }
        if (entries == 0) {
            throw new LayerCliException("stdin: no entries; nothing written");
        }
    }

    private static void check(LayerEntry e, LayerEntry previous, long previousLine, LayerFiles.Kind k,
                              KeyRange range, Lsn lsn, Lsn[] lsns) {
        String at = e.key() + "@" + e.lsn();
        if (!range.contains(e.key())) {
            throw new IllegalArgumentException("key " + e.key() + " is outside the key range "
                    + LayerJson.describe(range));
        }
        if (k == LayerFiles.Kind.IMAGE) {
            if (!(e.value() instanceof Value.Image)) {
                throw new IllegalArgumentException("wrong value kind: an image layer holds images only, got a WAL "
                        + "record for " + at);
            }
            if (!e.lsn().equals(lsn)) {
                throw new IllegalArgumentException("LSN " + e.lsn() + " of key " + e.key()
                        + " is not the image layer's LSN " + lsn);
            }
        } else if (e.lsn().compareTo(lsns[0]) < 0 || e.lsn().compareTo(lsns[1]) >= 0) {
            throw new IllegalArgumentException("LSN " + e.lsn() + " of key " + e.key()
                    + " is outside the LSN range [" + lsns[0] + ", " + lsns[1] + ")");
        }
        if (previous != null) {
            int c = e.key().compareTo(previous.key());
            if (c == 0) {
                c = e.lsn().compareTo(previous.lsn());
            }
            String prev = previous.key() + "@" + previous.lsn() + " on line " + previousLine;
            if (c == 0) {
                throw new IllegalArgumentException("duplicate entry " + at + " (already on line " + previousLine
                        + ")");
            }
            if (c < 0) {
                throw new IllegalArgumentException("entries are not sorted by key then LSN: " + at
                        + " comes after " + prev);
            }
        }
    }

    /** The common face of the two writers. */
    private interface Sink {
        Mono<Void> put(LayerEntry e);

        Mono<? extends WrittenLayer<?>> finish();

        Mono<Void> abort();
    }

    private record ImageSink(ImageLayerWriter w) implements Sink {
        @Override
        public Mono<Void> put(LayerEntry e) {
            return w.putImage(e.key(), ((Value.Image) e.value()).bytes());
        }

        @Override
        public Mono<? extends WrittenLayer<?>> finish() {
            return w.finish();
        }

        @Override
        public Mono<Void> abort() {
            return w.abort();
        }
    }

    private record DeltaSink(DeltaLayerWriter w, Key end) implements Sink {
        @Override
        public Mono<Void> put(LayerEntry e) {
            return w.putValue(e.key(), e.lsn(), e.value());
        }

        @Override
        public Mono<? extends WrittenLayer<?>> finish() {
            return w.finish(end);
        }

        @Override
        public Mono<Void> abort() {
            return w.abort();
        }
    }
}
