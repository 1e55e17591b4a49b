package io.strata.engine.layermap;

/** Neon's {@code LayerVisibilityHint}: whether reads at the timeline's read points can reach a layer. */
public enum LayerVisibilityHint {
    /** Some read point may read this layer. */
    VISIBLE,
    /** Newer image layers hide the whole layer from every read point. */
    COVERED
}
