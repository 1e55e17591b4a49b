package io.strata.engine.read;

import io.strata.engine.layer.LayerName;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.layermap.LayerRef;
import java.util.Map;
import java.util.Objects;

/**
 * One version of a timeline's layers: the {@link LayerMap} and, for each layer it names, the layer to read. A read
 * takes one snapshot and uses it to the end, so it never sees half of a flush or a compaction; a change publishes
 * a whole new snapshot. Immutable.
 *
 * @param map        the layer map
 * @param persistent the image and delta layers of the map, by name
 * @param inMemory   the open and frozen in-memory layers of the map, by id
 */
public record LayerSnapshot(LayerMap map, Map<LayerName, ReadableLayer> persistent, Map<Long, ReadableLayer> inMemory) {
    public static final LayerSnapshot EMPTY = new LayerSnapshot(LayerMap.EMPTY, Map.of(), Map.of());

    public LayerSnapshot {
        Objects.requireNonNull(map, "map");
        persistent = Map.copyOf(persistent);
        inMemory = Map.copyOf(inMemory);
    }

    /** The layer a search result names. */
    public ReadableLayer resolve(LayerRef ref) {
        ReadableLayer layer;
        if (ref instanceof LayerRef.Persistent p) {
            layer = persistent.get(p.desc().name());
        } else {
            layer = inMemory.get(((LayerRef.InMemory) ref).desc().id());
        }
        if (layer == null) {
            throw new IllegalStateException("the layer map names " + ref + " but the snapshot has no such layer");
        }
        return layer;
    }
}
