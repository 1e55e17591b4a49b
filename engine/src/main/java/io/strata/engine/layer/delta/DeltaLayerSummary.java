package io.strata.engine.layer.delta;

import io.strata.engine.bincode.BincodeReader;
import io.strata.engine.bincode.BincodeWriter;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerSummary;
import io.strata.engine.layer.LayerSummaryMismatchException;
import io.strata.engine.layer.SummaryCodec;
import io.strata.engine.layer.SummaryFormat;
import java.nio.file.Path;
import java.util.Objects;
import org.agrona.DirectBuffer;

/**
 * Block 0 of a delta layer (FORMAT 10.1): 96 bytes of bincode, then zeros.
 *
 * @param lsnStart      inclusive
 * @param lsnEnd        exclusive
 * @param indexStartBlk absolute block of the index (u32)
 * @param indexRootBlk  the B-tree root relative to the index start (u32)
 */
public record DeltaLayerSummary(int magic, int formatVersion, TenantId tenantId, TimelineId timelineId,
                                KeyRange keyRange, Lsn lsnStart, Lsn lsnEnd, long indexStartBlk,
                                long indexRootBlk) implements LayerSummary {
    /** Encoded size: 2 + 2 + 16 + 16 + 18 + 18 + 8 + 8 + 4 + 4. */
    public static final int SIZE = 96;

    /** Decodes delta summaries for {@link io.strata.engine.layer.LayerFile}. */
    public static final SummaryFormat<DeltaLayerSummary> FORMAT = new SummaryFormat<>() {
        @Override
        public DeltaLayerSummary decode(DirectBuffer block, Path path) {
            return DeltaLayerSummary.decode(block, path);
        }

        @Override
        public int indexKeyLen() {
            return DeltaKey.SIZE;
        }
    };

    public DeltaLayerSummary {
        SummaryCodec.checkU16("magic", magic);
        SummaryCodec.checkU16("format_version", formatVersion);
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(timelineId, "timelineId");
        Objects.requireNonNull(keyRange, "keyRange");
        Objects.requireNonNull(lsnStart, "lsnStart");
        Objects.requireNonNull(lsnEnd, "lsnEnd");
        SummaryCodec.checkU32("index_start_blk", indexStartBlk);
        SummaryCodec.checkU32("index_root_blk", indexRootBlk);
    }

    /** What a delta layer of this name must contain, index position left at 0. */
    public static DeltaLayerSummary expected(TenantId tenantId, TimelineId timelineId, KeyRange keyRange,
                                             Lsn lsnStart, Lsn lsnEnd) {
        return new DeltaLayerSummary(LayerFormat.DELTA_FILE_MAGIC, LayerFormat.STORAGE_FORMAT_VERSION, tenantId,
                timelineId, keyRange, lsnStart, lsnEnd, 0, 0);
    }

    public DeltaLayerSummary withIndex(long startBlk, long rootBlk) {
        return new DeltaLayerSummary(magic, formatVersion, tenantId, timelineId, keyRange, lsnStart, lsnEnd,
                startBlk, rootBlk);
    }

    public DeltaLayerSummary withTenantId(TenantId id) {
        return new DeltaLayerSummary(magic, formatVersion, id, timelineId, keyRange, lsnStart, lsnEnd,
                indexStartBlk, indexRootBlk);
    }

    public DeltaLayerSummary withTimelineId(TimelineId id) {
        return new DeltaLayerSummary(magic, formatVersion, tenantId, id, keyRange, lsnStart, lsnEnd,
                indexStartBlk, indexRootBlk);
    }

    public DeltaLayerSummary withKeyRange(KeyRange range) {
        return new DeltaLayerSummary(magic, formatVersion, tenantId, timelineId, range, lsnStart, lsnEnd,
                indexStartBlk, indexRootBlk);
    }

    /**
     * The name this summary describes.
     *
     * @throws IllegalArgumentException if a range is empty (Neon cannot name such a delta layer either)
     */
    @Override
    public DeltaLayerName layerName() {
        return new DeltaLayerName(keyRange, lsnStart, lsnEnd);
    }

    @Override
    public void encode(BincodeWriter w) {
        SummaryCodec.writeHeader(w, this);
        w.u64(lsnStart.value()).u64(lsnEnd.value());
        SummaryCodec.writeIndex(w, this);
    }

    /**
     * Decodes block 0 in prefix mode (the zero tail is ignored).
     *
     * @throws io.strata.engine.layer.LayerCorruptionException naming {@code path} for a wrong magic (an image layer
     *                                                       or a foreign file), a wrong version, short data or
     *                                                       an empty key or LSN range
     */
    public static DeltaLayerSummary decode(DirectBuffer block, Path path) {
        return SummaryCodec.decode(path, () -> {
            BincodeReader r = SummaryCodec.reader(block);
            SummaryCodec.readHeader(r, LayerFormat.DELTA_FILE_MAGIC, path);
            DeltaLayerSummary s = new DeltaLayerSummary(LayerFormat.DELTA_FILE_MAGIC,
                    LayerFormat.STORAGE_FORMAT_VERSION, SummaryCodec.tenantId(r), SummaryCodec.timelineId(r),
                    SummaryCodec.keyRange(r), SummaryCodec.lsn(r), SummaryCodec.lsn(r), SummaryCodec.u32(r),
                    SummaryCodec.u32(r));
            // no delta layer has empty ranges (its name cannot): layerName() would fail far from the file
            if (s.keyRange.isEmpty()) {
                throw new LayerCorruptionException(path, "empty key range " + s.keyRange);
            }
            if (s.lsnStart.compareTo(s.lsnEnd) >= 0) {
                throw new LayerCorruptionException(path, "empty lsn range " + s.lsnStart + ".." + s.lsnEnd);
            }
            return s;
        });
    }

    /** The LSN range is compared as Neon's {@code lsn_range} field (one field, start and end). */
    @Override
    public void validate(LayerSummary expected, Path path) {
        if (!(expected instanceof DeltaLayerSummary e)) {
            throw new IllegalArgumentException("expected summary of " + path + " is not a delta summary: " + expected);
        }
        SummaryCodec.validateHeader(this, e, path);
        LayerSummaryMismatchException.check(path, this, e, "lsn_range", lsnStart + ".." + lsnEnd,
                e.lsnStart + ".." + e.lsnEnd);
    }

    @Override
    public String toString() {
        return String.format("DeltaLayerSummary{magic=0x%04X, format_version=%d, tenant_id=%s, timeline_id=%s, "
                        + "key_range=%s, lsn_range=%s..%s, index_start_blk=%d, index_root_blk=%d}", magic,
                formatVersion, tenantId, timelineId, keyRange, lsnStart, lsnEnd, indexStartBlk, indexRootBlk);
    }
}
