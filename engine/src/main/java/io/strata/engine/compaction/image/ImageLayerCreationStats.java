package io.strata.engine.compaction.image;

import java.time.Duration;

/**
 * What one {@link ImageLayerCreation#createImageLayers} run did (Neon logs the same figures).
 *
 * @param partitionsTotal     partitions the run went through at most (after those a resumed run skips)
 * @param partitionsProcessed partitions it went through (checked, skipped or imaged) before finishing or yielding
 * @param imageLayers         image layers created
 * @param keys                pages written into them
 * @param bytes               their total file size
 * @param elapsed             wall time of the run
 */
public record ImageLayerCreationStats(int partitionsTotal, int partitionsProcessed, int imageLayers, long keys,
                                      long bytes, Duration elapsed) {
}
