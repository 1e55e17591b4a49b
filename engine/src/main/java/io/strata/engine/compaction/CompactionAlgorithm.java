package io.strata.engine.compaction;

import java.util.Locale;

/**
 * Which compaction a tenant's timelines get (Neon's tenant setting {@code compaction_algorithm.kind}): Neon's
 * legacy pass (L0 compaction, image layer creation, then the gc-compaction queue) or tiered compaction
 * ({@link io.strata.engine.compaction.tiered.TieredCompaction}).
 */
public enum CompactionAlgorithm {
    LEGACY,
    TIERED;

    /** Neon's spelling in a tenant config: {@code legacy} or {@code tiered}. */
    public String kind() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses Neon's spelling (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static CompactionAlgorithm parse(String kind) {
        for (CompactionAlgorithm a : values()) {
            if (a.kind().equalsIgnoreCase(kind)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown compaction algorithm '" + kind + "': expected legacy or tiered");
    }
}
