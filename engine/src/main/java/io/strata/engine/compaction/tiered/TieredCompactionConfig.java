package io.strata.engine.compaction.tiered;

/**
 * Parameters of tiered compaction. Neon's pageserver passes its tenant's {@code compaction_threshold} as the
 * fanout and {@code checkpoint_distance} as the target file size; the defaults are theirs.
 *
 * @param fanout         tiers a level may hold before it is compacted into one tier of the next level; also the
 *                       factor by which each level's LSN height exceeds the previous one (at least 2 for that)
 * @param targetFileSize bytes a new layer should have; also the LSN height of a level-0 tier
 */
public record TieredCompactionConfig(long fanout, long targetFileSize) {
    /** Neon's {@code DEFAULT_COMPACTION_THRESHOLD}. */
    public static final long DEFAULT_FANOUT = 10;
    /** Neon's {@code DEFAULT_CHECKPOINT_DISTANCE}: 256 MiB. */
    public static final long DEFAULT_TARGET_FILE_SIZE = 256L * 1024 * 1024;

    public TieredCompactionConfig {
        if (fanout < 1) {
            throw new IllegalArgumentException("fanout needs to be at least 1 but is " + fanout);
        }
        // Sizes are compared after scaling by 5/4 (the slack a layer may stretch); keep that in range.
        if (targetFileSize < 1 || targetFileSize > Long.MAX_VALUE / 5) {
            throw new IllegalArgumentException("target file size out of range: " + targetFileSize);
        }
    }

    public static TieredCompactionConfig defaults() {
        return new TieredCompactionConfig(DEFAULT_FANOUT, DEFAULT_TARGET_FILE_SIZE);
    }

    public TieredCompactionConfig withFanout(long fanout) {
        return new TieredCompactionConfig(fanout, targetFileSize);
    }

    public TieredCompactionConfig withTargetFileSize(long targetFileSize) {
        return new TieredCompactionConfig(fanout, targetFileSize);
    }
}
