package io.strata.examples.layer;

import com.fasterxml.jackson.core.JsonGenerator;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code strata layer rewrite-summary}: Neon's {@code pagectl layer rewrite-summary}, extended to the key range
 * and LSNs. Only block 0 is rewritten (then fsynced); the file name is left alone, so a changed key range or LSN
 * no longer matches it unless the caller renames the file.
 */
@Command(name = "rewrite-summary", mixinStandardHelpOptions = true,
        description = {"Rewrite the summary (block 0) of a layer file in place and print the new summary as one "
                + "JSON line. Fields not given keep their values; the file name is not changed."})
final class RewriteSummaryCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The layer file.")
    Path file;

    @Option(names = "--tenant", paramLabel = "HEX32", description = "New tenant id.")
    String tenant;

    @Option(names = "--timeline", paramLabel = "HEX32", description = "New timeline id.")
    String timeline;

    @Option(names = "--key-start", paramLabel = "HEX36", description = "New start of the key range.")
    String keyStart;

    @Option(names = "--key-end", paramLabel = "HEX36", description = "New end of the key range.")
    String keyEnd;

    @ArgGroup(exclusive = true)
    LsnChoice lsnChoice;

    static final class LsnChoice {
        @Option(names = "--lsn", required = true, paramLabel = "X/X", description = "Image layers: new LSN.")
        String lsn;

        @Option(names = "--lsn-range", required = true, paramLabel = "X/X-X/X",
                description = "Delta layers: new LSN range [START, END).")
        String lsnRange;
    }

    @Override
    public Integer call() throws Exception {
        LayerFiles.Kind kind = LayerFiles.detect(file);
        TenantId newTenant = tenant == null ? null : Options.tenant(tenant);
        TimelineId newTimeline = timeline == null ? null : Options.timeline(timeline);
        Key newStart = keyStart == null ? null : Options.key("--key-start", keyStart);
        Key newEnd = keyEnd == null ? null : Options.key("--key-end", keyEnd);
        Lsn newLsn = null;
        Lsn[] newLsns = null;
        if (lsnChoice != null && lsnChoice.lsn != null) {
            if (kind != LayerFiles.Kind.IMAGE) {
                throw new LayerCliException(file + ": a delta layer has an LSN range: use --lsn-range, not --lsn");
            }
            newLsn = Options.lsn("--lsn", lsnChoice.lsn);
        } else if (lsnChoice != null) {
            if (kind != LayerFiles.Kind.DELTA) {
                throw new LayerCliException(file + ": an image layer has one LSN: use --lsn, not --lsn-range");
            }
            newLsns = Options.lsnRange("--lsn-range", lsnChoice.lsnRange);
        }
        if (newTenant == null && newTimeline == null && newStart == null && newEnd == null && lsnChoice == null) {
            throw new LayerCliException("nothing to rewrite: give at least one of --tenant, --timeline, "
                    + "--key-start, --key-end, --lsn, --lsn-range");
        }

        PrintWriter out = spec.commandLine().getOut();
        try (LayerFiles.Session session = new LayerFiles.Session(file.toAbsolutePath().getParent())) {
            // A layer that does not open (truncated, bad version, index outside the file) is left untouched.
            session.open(file).close();
            Lsn lsn = newLsn;
            Lsn[] lsns = newLsns;
            try {
                if (kind == LayerFiles.Kind.IMAGE) {
                    ImageLayerReader.rewriteSummary(session.engine, file, s -> {
                        ImageLayerSummary r = s;
                        if (newTenant != null) {
                            r = r.withTenantId(newTenant);
                        }
                        if (newTimeline != null) {
                            r = r.withTimelineId(newTimeline);
                        }
                        r = r.withKeyRange(range(r.keyRange(), newStart, newEnd));
                        return lsn == null ? r : new ImageLayerSummary(r.magic(), r.formatVersion(), r.tenantId(),
                                r.timelineId(), r.keyRange(), lsn, r.indexStartBlk(), r.indexRootBlk());
                    }).block(LayerFiles.T);
                } else {
                    DeltaLayerReader.rewriteSummary(session.engine, file, s -> {
                        DeltaLayerSummary r = s;
                        if (newTenant != null) {
                            r = r.withTenantId(newTenant);
                        }
                        if (newTimeline != null) {
                            r = r.withTimelineId(newTimeline);
                        }
                        r = r.withKeyRange(range(r.keyRange(), newStart, newEnd));
                        return lsns == null ? r : new DeltaLayerSummary(r.magic(), r.formatVersion(), r.tenantId(),
                                r.timelineId(), r.keyRange(), lsns[0], lsns[1], r.indexStartBlk(),
                                r.indexRootBlk());
                    }).block(LayerFiles.T);
                }
            } catch (RuntimeException e) {
                throw LayerFiles.fileError(file, e);
            }
            // Read back through the reader, which checks the new block 0 against the file.
            try (LayerFiles.OpenLayer layer = session.open(file)) {
                JsonGenerator g = LayerJson.lines(out);
                LayerJson.writeSummary(g, layer.summary());
                g.flush();
                out.flush();
            }
        }
        return 0;
    }

    private static KeyRange range(KeyRange current, Key start, Key end) {
        KeyRange r = new KeyRange(start == null ? current.start() : start, end == null ? current.end() : end);
        if (r.isEmpty()) {
            throw new IllegalArgumentException("new key range " + LayerJson.describe(r) + " is empty; nothing "
                    + "written");
        }
        return r;
    }
}
