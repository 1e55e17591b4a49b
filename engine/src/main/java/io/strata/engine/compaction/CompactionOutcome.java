package io.strata.engine.compaction;

/** Neon's {@code CompactionOutcome}: what a compaction pass tells its scheduler. */
public enum CompactionOutcome {
    /** Nothing more to do now. */
    DONE,
    /** Work remains (e.g. more L0 layers than one pass takes): schedule again soon. */
    PENDING,
    /** Stopped early so that L0 compaction can run first: schedule again, L0 first. */
    YIELD_FOR_L0,
    /** Not run (nothing to do, or not this kind of timeline). */
    SKIPPED
}
