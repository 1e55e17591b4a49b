package io.strata.engine.tenant;

/** How {@link StrataEngine#shutdown} treats what is ingested but not yet durable (Neon's {@code ShutdownMode}). */
public enum ShutdownMode {
    /**
     * Freeze and flush every timeline first: the disk-consistent LSN reaches the last record LSN. A timeline whose
     * flushes are stalled for compaction backpressure waits for compaction (use {@link #HARD} to stop at once).
     */
    FREEZE_AND_FLUSH,
    /**
     * Stop at once (after the flush in progress): what is above the disk-consistent LSN is dropped, as after a
     * crash, and must be re-sent after the next start.
     */
    HARD
}
