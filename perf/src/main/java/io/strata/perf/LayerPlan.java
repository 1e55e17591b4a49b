package io.strata.perf;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerName;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The layer one (kind, value size) row of a layer benchmark writes and scans, fully determined by the options:
 * {@code values} values of {@code valueSize} bytes under consecutive relation block keys of one relation
 * (spcnode 1663, dbnode 5, relnode 16384, main fork, blocks 0, 1, ...). Image layers hold one image per key at
 * LSN {@link #IMAGE_LSN}; delta layers hold {@code lsnsPerKey} WAL records per key (the last key may have fewer)
 * at LSNs {@link #DELTA_LSN_START}, +8, +16, ... in (key, lsn) order. Each row has its own directory under
 * {@code --dir}, so the layer's file name (key range and LSNs) tells whether an existing file is this layer.
 */
record LayerPlan(LayerKind kind, int valueSize, long values, int lsnsPerKey, ImageCompressionAlgorithm compression,
                 Path dir) {
    static final int SPCNODE = 1663;
    static final int DBNODE = 5;
    static final int RELNODE = 16384;
    static final Lsn IMAGE_LSN = Lsn.of(0x0100_0000L);
    static final long DELTA_LSN_START = 0x0100_0000L;
    static final long LSN_STEP = 8;
    /** Neon's (and Strata's) limit on a delta layer file: the finish fails above it. */
    static final long DELTA_FILE_LIMIT = 4_500_000_000L;

    /** The plan for about {@code size} bytes of values (at least one value). */
    static LayerPlan of(LayerKind kind, int valueSize, long size, int lsnsPerKey,
                        ImageCompressionAlgorithm compression, Path root) {
        long values = Math.max(1, size / valueSize);
        String name = kind == LayerKind.IMAGE
                ? "image-" + Sizes.format(valueSize) + "-" + compressionName(compression)
                : "delta-" + Sizes.format(valueSize) + "-" + lsnsPerKey + "lsns";
        return new LayerPlan(kind, valueSize, values, lsnsPerKey, compression, root.resolve(name));
    }

    /** {@code none}, {@code zstd}, {@code zstd_1}: usable in a file name. */
    static String compressionName(ImageCompressionAlgorithm c) {
        if (c instanceof ImageCompressionAlgorithm.Disabled) {
            return "none";
        }
        return c.toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "_").replaceAll("_+$", "");
    }

    /** Distinct keys: one per value for images, one per {@code lsnsPerKey} values for deltas. */
    long keys() {
        return kind == LayerKind.IMAGE ? values : (values + lsnsPerKey - 1) / lsnsPerKey;
    }

    /** The key of the {@code i}-th key (block {@code i} of the relation). */
    static Key key(long i) {
        return new Key(0x00, SPCNODE, DBNODE, RELNODE, 0, (int) i);
    }

    /** The key of value {@code i}. */
    Key keyOfValue(long i) {
        return key(kind == LayerKind.IMAGE ? i : i / lsnsPerKey);
    }

    /** The LSN of delta value {@code i}. */
    static Lsn deltaLsn(long i) {
        return Lsn.of(DELTA_LSN_START + LSN_STEP * i);
    }

    KeyRange keyRange() {
        return new KeyRange(key(0), key(keys()));
    }

    Lsn lsnStart() {
        return kind == LayerKind.IMAGE ? IMAGE_LSN : deltaLsn(0);
    }

    /** Exclusive end: one past the last value's LSN. */
    Lsn lsnEnd() {
        return kind == LayerKind.IMAGE ? IMAGE_LSN.add(1) : deltaLsn(values - 1).add(1);
    }

    LayerName name() {
        return kind == LayerKind.IMAGE ? new ImageLayerName(keyRange(), IMAGE_LSN)
                : new DeltaLayerName(keyRange(), lsnStart(), lsnEnd());
    }

    static Generation generation() {
        return Generation.none();
    }

    /** Where the finished layer is. */
    Path path() {
        return dir.resolve(name().localFileName(generation()));
    }

    long payloadBytes() {
        return values * valueSize;
    }

    /** An upper estimate of the file size: blobs with the largest header, index entries, summary, slack. */
    long estimatedFileBytes() {
        long blob = kind == LayerKind.IMAGE ? 4L + valueSize : 4L + 17 + valueSize;
        long indexEntry = kind == LayerKind.IMAGE ? 18 + 8 : 26 + 8;
        return 8192 + values * (blob + indexEntry) * 11 / 10 + (1L << 20);
    }

    /** {@code image 8k}, {@code delta 100}. */
    String label() {
        return kind.optionName() + " " + Sizes.format(valueSize);
    }
}
