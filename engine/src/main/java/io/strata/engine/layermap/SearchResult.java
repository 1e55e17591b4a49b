package io.strata.engine.layermap;

import io.strata.engine.key.Lsn;
import java.util.Objects;

/**
 * Answer of {@link LayerMap#search} (Neon's {@code SearchResult}): read {@code layer} for LSNs from
 * {@code lsnFloor} (inclusive) up to the LSN searched at, then search again with {@code lsnFloor} as the end.
 * Equal by value: {@link LayerMap#rangeSearch} uses it as a map key.
 *
 * @param layer    the layer to read
 * @param lsnFloor the lowest LSN to read from it
 */
public record SearchResult(LayerRef layer, Lsn lsnFloor) {
    public SearchResult {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(lsnFloor, "lsnFloor");
    }

    @Override
    public String toString() {
        return layer + " from " + lsnFloor;
    }
}
