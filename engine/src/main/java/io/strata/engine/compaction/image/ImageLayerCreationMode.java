package io.strata.engine.compaction.image;

/** Neon's {@code ImageLayerCreationMode}: how {@link ImageLayerCreation#createImageLayers} decides per partition. */
public enum ImageLayerCreationMode {
    /**
     * Create an image layer where {@link ImageLayerCreation#timeForNewImageLayer} says enough delta layers stacked
     * up (metadata: enough delta layers were visited reading it). Compaction's mode.
     */
    TRY,
    /** Create image layers for every partition, skipping those whose image layer at the LSN already exists. */
    FORCE,
    /**
     * Initial ingestion: every partition, no data dropped; the partitioning should hold no metadata keys (Neon's
     * flush of the first layer of a new timeline).
     */
    INITIAL
}
