package io.strata.engine.compaction.image;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.ShardIdentity;
import java.util.Objects;

/**
 * Neon's image layer creation settings (tenant config knobs of the same names). The repartition threshold is not
 * here: as in Neon it is the timeline's checkpoint distance / {@link #REPARTITION_FREQ_IN_CHECKPOINT_DISTANCE}, and
 * the LSN distance and time between checks come from the timeline's checkpoint distance and timeout.
 *
 * @param compactionTargetSize             partition (and so image layer) size aimed at, in bytes of 8 KiB pages
 *                                         (Neon's {@code compaction_target_size}, 128 MiB)
 * @param imageCreationThreshold           delta layers stacked over a part of a partition that make a new image
 *                                         layer worth it (Neon's {@code image_creation_threshold}, 3)
 * @param imageLayerCreationCheckThreshold check for partitions needing images only once this many checkpoint
 *                                         distances of WAL arrived since the last check, or a checkpoint timeout
 *                                         passed (Neon's {@code image_layer_creation_check_threshold}, 2); 0 checks
 *                                         every time
 * @param imageCreationPreemptThreshold    0 never yields to L0 compaction; otherwise a TRY run yields when asked,
 *                                         once it created a layer (Neon's {@code image_creation_preempt_threshold},
 *                                         3, used the same way)
 * @param maxGetVectoredKeys               keys per read of a partition's pages (Neon's {@code max_get_vectored_keys},
 *                                         32)
 * @param imageCompression                 how images are stored; Neon's default is zstd level 1, Strata's is none so
 *                                         that files are byte-identical to Neon's whatever the zstd version
 * @param shard                            this tenant shard: keys it may dispose of are left out of images
 */
public record ImageLayerCreationConfig(long compactionTargetSize, int imageCreationThreshold,
                                       int imageLayerCreationCheckThreshold, int imageCreationPreemptThreshold,
                                       int maxGetVectoredKeys, ImageCompressionAlgorithm imageCompression,
                                       ShardIdentity shard) {
    /** Neon's {@code DEFAULT_COMPACTION_TARGET_SIZE}. */
    public static final long DEFAULT_COMPACTION_TARGET_SIZE = 128L << 20;
    public static final int DEFAULT_IMAGE_CREATION_THRESHOLD = 3;
    public static final int DEFAULT_IMAGE_LAYER_CREATION_CHECK_THRESHOLD = 2;
    public static final int DEFAULT_IMAGE_CREATION_PREEMPT_THRESHOLD = 3;
    public static final int DEFAULT_MAX_GET_VECTORED_KEYS = 32;
    /** Neon's {@code REPARTITION_FREQ_IN_CHECKPOINT_DISTANCE}: repartition after a tenth of a checkpoint distance. */
    public static final long REPARTITION_FREQ_IN_CHECKPOINT_DISTANCE = 10;
    /** Neon's {@code MAX_AUX_FILE_V2_DELTAS}: delta layers a metadata read visits that make a new image worth it. */
    public static final int MAX_AUX_FILE_V2_DELTAS = 16;
    /** Postgres' page size, what {@code KeySpace.partition} counts per key. */
    public static final int BLCKSZ = 8192;

    public ImageLayerCreationConfig {
        Objects.requireNonNull(imageCompression, "imageCompression");
        Objects.requireNonNull(shard, "shard");
        if (compactionTargetSize < BLCKSZ) {
            throw new IllegalArgumentException("compactionTargetSize must be at least one page (" + BLCKSZ
                    + "), got " + compactionTargetSize);
        }
        if (imageCreationThreshold < 1 || imageLayerCreationCheckThreshold < 0 || imageCreationPreemptThreshold < 0
                || maxGetVectoredKeys < 1) {
            throw new IllegalArgumentException("invalid thresholds: image creation " + imageCreationThreshold
                    + ", check " + imageLayerCreationCheckThreshold + ", preempt " + imageCreationPreemptThreshold
                    + ", max get vectored keys " + maxGetVectoredKeys);
        }
    }

    /** Neon's defaults, images uncompressed, unsharded. */
    public static ImageLayerCreationConfig defaults() {
        return new ImageLayerCreationConfig(DEFAULT_COMPACTION_TARGET_SIZE, DEFAULT_IMAGE_CREATION_THRESHOLD,
                DEFAULT_IMAGE_LAYER_CREATION_CHECK_THRESHOLD, DEFAULT_IMAGE_CREATION_PREEMPT_THRESHOLD,
                DEFAULT_MAX_GET_VECTORED_KEYS, ImageCompressionAlgorithm.DISABLED, ShardIdentity.unsharded());
    }

    public ImageLayerCreationConfig withCompactionTargetSize(long bytes) {
        return new ImageLayerCreationConfig(bytes, imageCreationThreshold, imageLayerCreationCheckThreshold,
                imageCreationPreemptThreshold, maxGetVectoredKeys, imageCompression, shard);
    }

    public ImageLayerCreationConfig withImageCreationThreshold(int n) {
        return new ImageLayerCreationConfig(compactionTargetSize, n, imageLayerCreationCheckThreshold,
                imageCreationPreemptThreshold, maxGetVectoredKeys, imageCompression, shard);
    }

    public ImageLayerCreationConfig withImageLayerCreationCheckThreshold(int n) {
        return new ImageLayerCreationConfig(compactionTargetSize, imageCreationThreshold, n,
                imageCreationPreemptThreshold, maxGetVectoredKeys, imageCompression, shard);
    }

    public ImageLayerCreationConfig withImageCreationPreemptThreshold(int n) {
        return new ImageLayerCreationConfig(compactionTargetSize, imageCreationThreshold,
                imageLayerCreationCheckThreshold, n, maxGetVectoredKeys, imageCompression, shard);
    }

    public ImageLayerCreationConfig withMaxGetVectoredKeys(int n) {
        return new ImageLayerCreationConfig(compactionTargetSize, imageCreationThreshold,
                imageLayerCreationCheckThreshold, imageCreationPreemptThreshold, n, imageCompression, shard);
    }

    public ImageLayerCreationConfig withImageCompression(ImageCompressionAlgorithm c) {
        return new ImageLayerCreationConfig(compactionTargetSize, imageCreationThreshold,
                imageLayerCreationCheckThreshold, imageCreationPreemptThreshold, maxGetVectoredKeys, c, shard);
    }

    public ImageLayerCreationConfig withShard(ShardIdentity s) {
        return new ImageLayerCreationConfig(compactionTargetSize, imageCreationThreshold,
                imageLayerCreationCheckThreshold, imageCreationPreemptThreshold, maxGetVectoredKeys, imageCompression,
                s);
    }
}
