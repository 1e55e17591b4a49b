package io.strata.engine.layermap;

import io.strata.engine.key.KeyRange;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.Objects;
import java.util.Optional;

/**
 * One part of {@link LayerMap#imageCoverage}: the newest image layer covering {@code range}, if any.
 *
 * @param range keys of this part
 * @param layer the newest image layer over them at the LSN asked, or empty
 */
public record ImageCoverage(KeyRange range, Optional<PersistentLayerDesc> layer) {
    public ImageCoverage {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(layer, "layer");
    }
}
