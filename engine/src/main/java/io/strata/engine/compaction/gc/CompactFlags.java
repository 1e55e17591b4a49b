package io.strata.engine.compaction.gc;

/** Neon's {@code CompactFlags}, as far as gc-compaction reads them. */
public enum CompactFlags {
    /** Run gc-compaction (Neon's {@code EnhancedGcBottomMostCompaction}); queued jobs without it are ignored. */
    ENHANCED_GC_BOTTOM_MOST_COMPACTION,
    /** Do everything but write: select, read, generate, collect statistics; change nothing. */
    DRY_RUN,
    /** Give up (return {@code YIELD_FOR_L0}) as soon as L0 compaction is due. */
    YIELD_FOR_L0
}
