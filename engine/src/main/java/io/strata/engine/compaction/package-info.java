/**
 * Compaction's building blocks, ported from Neon's {@code storage_layer}: the k-way
 * {@link io.strata.engine.compaction.MergeIterator} over image and delta layers (opened lazily, streamed in
 * bounded batches), the {@link io.strata.engine.compaction.FilterIterator} that keeps a key space of its output,
 * and the split writers ({@link io.strata.engine.compaction.SplitImageLayerWriter},
 * {@link io.strata.engine.compaction.SplitDeltaLayerWriter}) that cut their output into layers of a target size
 * and finish them together through a {@link io.strata.engine.compaction.BatchLayerWriter}, discarding layers that
 * must not be written.
 */
package io.strata.engine.compaction;
