/**
 * What gc-compaction keeps of one key's history (Neon's {@code KeyHistoryRetention} and
 * {@code generate_key_retention} in {@code timeline/compaction.rs}).
 *
 * <p>{@link io.strata.engine.compaction.retention.KeyRetentionGenerator#generateKeyRetention} splits a key's full
 * history at the retain LSNs below the GC horizon and at the horizon, drops the duplicates of a k-merge of image
 * and delta layers, and replaces a bucket by an image reconstructed with WAL redo when it is the lowest one (and
 * the key has no ancestor image) or when too many deltas piled up since the last image. Everything above the
 * horizon is kept as is. {@link io.strata.engine.compaction.retention.KeyHistoryRetention#pipeTo} writes the
 * result into a delta writer and, for the bottom-most image, an image writer, both behind the small sink
 * interfaces {@link io.strata.engine.compaction.retention.DeltaWriterSink} and
 * {@link io.strata.engine.compaction.retention.ImageWriterSink}.
 */
package io.strata.engine.compaction.retention;
