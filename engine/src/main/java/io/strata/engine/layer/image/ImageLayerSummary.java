package io.strata.engine.layer.image;

import io.strata.engine.bincode.BincodeReader;
import io.strata.engine.bincode.BincodeWriter;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.ImageLayerName;
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
 * Block 0 of an image layer (FORMAT 9.1): 88 bytes of bincode, then zeros.
 *
 * @param indexStartBlk absolute block of the index (u32)
 * @param indexRootBlk  the B-tree root relative to the index start (u32)
 */
public record ImageLayerSummary(int magic, int formatVersion, TenantId tenantId, TimelineId timelineId,
                                KeyRange keyRange, Lsn lsn, long indexStartBlk, long indexRootBlk)
        implements LayerSummary {
    /** Encoded size: 2 + 2 + 16 + 16 + 18 + 18 + 8 + 4 + 4. */
    public static final int SIZE = 88;

    /** Decodes image summaries for {@link io.strata.engine.layer.LayerFile}. */
    public static final SummaryFormat<ImageLayerSummary> FORMAT = new SummaryFormat<>() {
        @Override
        public ImageLayerSummary decode(DirectBuffer block, Path path) {
            return ImageLayerSummary.decode(block, path);
        }

        @Override
        public int indexKeyLen() {
            return io.strata.engine.key.Key.KEY_SIZE;
        }
    };

    public ImageLayerSummary {
        SummaryCodec.checkU16("magic", magic);
        SummaryCodec.checkU16("format_version", formatVersion);
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(timelineId, "timelineId");
        Objects.requireNonNull(keyRange, "keyRange");
        Objects.requireNonNull(lsn, "lsn");
        SummaryCodec.checkU32("index_start_blk", indexStartBlk);
        SummaryCodec.checkU32("index_root_blk", indexRootBlk);
    }

    /** Neon's {@code Summary::expected}: what a layer of this name must contain, index position left at 0. */
    public static ImageLayerSummary expected(TenantId tenantId, TimelineId timelineId, KeyRange keyRange, Lsn lsn) {
        return new ImageLayerSummary(LayerFormat.IMAGE_FILE_MAGIC, LayerFormat.STORAGE_FORMAT_VERSION, tenantId,
                timelineId, keyRange, lsn, 0, 0);
    }

    public ImageLayerSummary withIndex(long startBlk, long rootBlk) {
        return new ImageLayerSummary(magic, formatVersion, tenantId, timelineId, keyRange, lsn, startBlk, rootBlk);
    }

    public ImageLayerSummary withTenantId(TenantId id) {
        return new ImageLayerSummary(magic, formatVersion, id, timelineId, keyRange, lsn, indexStartBlk,
                indexRootBlk);
    }

    public ImageLayerSummary withTimelineId(TimelineId id) {
        return new ImageLayerSummary(magic, formatVersion, tenantId, id, keyRange, lsn, indexStartBlk, indexRootBlk);
    }

    public ImageLayerSummary withKeyRange(KeyRange range) {
        return new ImageLayerSummary(magic, formatVersion, tenantId, timelineId, range, lsn, indexStartBlk,
                indexRootBlk);
    }

    @Override
    public ImageLayerName layerName() {
        return new ImageLayerName(keyRange, lsn);
    }

    @Override
    public void encode(BincodeWriter w) {
        SummaryCodec.writeHeader(w, this);
        w.u64(lsn.value());
        SummaryCodec.writeIndex(w, this);
    }

    /**
     * Decodes block 0 in prefix mode (the zero tail is ignored).
     *
     * @throws io.strata.engine.layer.LayerCorruptionException naming {@code path} for a wrong magic (a delta layer
     *                                                       or a foreign file), a wrong version or short data
     */
    public static ImageLayerSummary decode(DirectBuffer block, Path path) {
        return SummaryCodec.decode(path, () -> {
            BincodeReader r = SummaryCodec.reader(block);
            SummaryCodec.readHeader(r, LayerFormat.IMAGE_FILE_MAGIC, path);
            ImageLayerSummary s = new ImageLayerSummary(LayerFormat.IMAGE_FILE_MAGIC,
                    LayerFormat.STORAGE_FORMAT_VERSION, SummaryCodec.tenantId(r), SummaryCodec.timelineId(r),
                    SummaryCodec.keyRange(r), SummaryCodec.lsn(r), SummaryCodec.u32(r), SummaryCodec.u32(r));
            if (s.lsn.equals(Lsn.MAX)) { // no image layer name has it: layerName() would fail far from the file
                throw new LayerCorruptionException(path, "image lsn " + s.lsn + " is the largest LSN, which no "
                        + "image layer can have");
            }
            return s;
        });
    }

    @Override
    public void validate(LayerSummary expected, Path path) {
        if (!(expected instanceof ImageLayerSummary e)) {
            throw new IllegalArgumentException("expected summary of " + path + " is not an image summary: " + expected);
        }
        SummaryCodec.validateHeader(this, e, path);
        LayerSummaryMismatchException.check(path, this, e, "lsn", lsn, e.lsn);
    }

    @Override
    public String toString() {
        return String.format("ImageLayerSummary{magic=0x%04X, format_version=%d, tenant_id=%s, timeline_id=%s, "
                        + "key_range=%s, lsn=%s, index_start_blk=%d, index_root_blk=%d}", magic, formatVersion,
                tenantId, timelineId, keyRange, lsn, indexStartBlk, indexRootBlk);
    }
}
