package io.strata.engine.compaction.gc;

import io.strata.engine.layer.IteratorOptions;
import java.util.Objects;

/**
 * Neon's {@code GcCompactionCombinedSettings} and the tenant settings gc-compaction reads.
 *
 * @param gcCompactionEnabled            whether the queue triggers jobs by itself
 * @param gcCompactionVerification       whether each key's retention is verified (replayed) before it is written
 * @param gcCompactionInitialThresholdKb L1 size below the watermark that triggers the first automatic job
 * @param gcCompactionRatioPercent       L1/L2 size ratio that triggers the next ones
 * @param compactionTargetSize           output layers are cut at about this size (Neon's
 *                                       {@code compaction_target_size})
 * @param compactionL0First              automatic jobs yield to L0 compaction
 * @param iterator                       read sizes of each input layer (Neon: 1 MiB, 128 values)
 */
public record GcCompactionSettings(boolean gcCompactionEnabled, boolean gcCompactionVerification,
                                   long gcCompactionInitialThresholdKb, long gcCompactionRatioPercent,
                                   long compactionTargetSize, boolean compactionL0First, IteratorOptions iterator) {
    /** Neon's {@code DEFAULT_COMPACTION_TARGET_SIZE}. */
    public static final long DEFAULT_COMPACTION_TARGET_SIZE = 128L << 20;
    /** Neon's {@code DEFAULT_GC_COMPACTION_INITIAL_THRESHOLD_KB} (5 GB). */
    public static final long DEFAULT_INITIAL_THRESHOLD_KB = 5_000_000;
    /** Neon's {@code DEFAULT_GC_COMPACTION_RATIO_PERCENT}. */
    public static final long DEFAULT_RATIO_PERCENT = 100;

    public GcCompactionSettings {
        Objects.requireNonNull(iterator, "iterator");
        if (compactionTargetSize <= 0) {
            throw new IllegalArgumentException("compaction target size must be positive: " + compactionTargetSize);
        }
    }

    /**
     * Neon's defaults: enabled, verified, 5 GB initial threshold, ratio 100 %, 128 MiB layers, L0 first; reads of 1 MiB
     * or 128 values, at least four hops in flight (more where few inputs share keys: see
     * {@link GcCompaction#MERGE_READ_AHEAD_HOPS}). The merged L1 layers are key-disjoint, so one or two iterators read
     * at a time: a single read in flight left the disk idle between reads, and two kept the main loop of a 2 GiB
     * compaction at 2.9-5.5 s where four gave 2.1-2.5 s (alternating runs, session 20).
     */
    public static GcCompactionSettings defaults() {
        return new GcCompactionSettings(true, true, DEFAULT_INITIAL_THRESHOLD_KB, DEFAULT_RATIO_PERCENT,
                DEFAULT_COMPACTION_TARGET_SIZE, true, new IteratorOptions(128 * 8192, 128, 4));
    }

    public GcCompactionSettings withCompactionTargetSize(long bytes) {
        return new GcCompactionSettings(gcCompactionEnabled, gcCompactionVerification, gcCompactionInitialThresholdKb,
                gcCompactionRatioPercent, bytes, compactionL0First, iterator);
    }

    public GcCompactionSettings withTriggers(boolean enabled, long initialThresholdKb, long ratioPercent) {
        return new GcCompactionSettings(enabled, gcCompactionVerification, initialThresholdKb, ratioPercent,
                compactionTargetSize, compactionL0First, iterator);
    }
}
