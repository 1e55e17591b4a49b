/**
 * Neon's gc-compaction ({@code compact_with_gc}, "bottom-most compaction"): rewrites the layers below the GC
 * horizon of a key range into images at the lowest retain LSN and deltas for the retain LSNs above it, dropping
 * what no branch point, lease or read at or above the horizon can see. {@link io.strata.engine.compaction.gc.GcCompaction}
 * runs one job, {@link io.strata.engine.compaction.gc.GcCompaction#gcCompactionSplitJobs} cuts a large job into
 * key-range jobs, and {@link io.strata.engine.compaction.gc.GcCompactionQueue} schedules manual and automatic jobs.
 */
package io.strata.engine.compaction.gc;
