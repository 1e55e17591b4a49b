package io.strata.engine.layermap;

import io.strata.engine.key.KeySpace;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Answer of {@link LayerMap#getVisibility}: every historic layer with its hint, and the keys the image layers
 * below the lowest read point cover (the "shadow").
 *
 * @param layers each historic layer once, with its visibility
 * @param shadow keys covered by image layers below the last read point
 */
public record Visibility(List<Map.Entry<PersistentLayerDesc, LayerVisibilityHint>> layers, KeySpace shadow) {
    public Visibility {
        layers = List.copyOf(layers);
        Objects.requireNonNull(shadow, "shadow");
    }
}
