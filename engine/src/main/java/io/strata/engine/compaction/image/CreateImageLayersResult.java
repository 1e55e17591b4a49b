package io.strata.engine.compaction.image;

import io.strata.engine.layer.PersistentLayerDesc;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link ImageLayerCreation#createImageLayers} (Neon's {@code (Vec<ResidentLayer>,
 * LastImageLayerCreationStatus)}).
 *
 * @param created the image layers added to the timeline, in key order
 * @param status  where the run stopped: keep it for the next run
 * @param stats   figures of the run
 */
public record CreateImageLayersResult(List<PersistentLayerDesc> created, LastImageLayerCreationStatus status,
                                      ImageLayerCreationStats stats) {
    public CreateImageLayersResult {
        created = List.copyOf(created);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stats, "stats");
    }
}
