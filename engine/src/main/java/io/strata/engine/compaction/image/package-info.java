/**
 * Image layer creation, Neon's {@code repartition} and {@code create_image_layers} (pageserver
 * {@code tenant/timeline.rs}): the key space that exists at an LSN
 * ({@link io.strata.engine.compaction.image.KeySpaceCollector}, Strata's stand-in for Neon's {@code collect_keyspace}),
 * cut into partitions of about the compaction target size
 * ({@link io.strata.engine.compaction.image.ImageLayerCreation#repartition}), and one image layer per partition where
 * enough delta layers stacked up, or everywhere when forced
 * ({@link io.strata.engine.compaction.image.ImageLayerCreation#createImageLayers}). The new layers enter the timeline
 * in one durable index change at the end of a run; a failed or cancelled run leaves the timeline as it was.
 */
package io.strata.engine.compaction.image;
