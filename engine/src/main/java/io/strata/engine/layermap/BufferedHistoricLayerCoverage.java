package io.strata.engine.layermap;

import java.util.Collection;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * Neon's {@code BufferedHistoricLayerCoverage}: the set of layers with its {@link HistoricLayerCoverage}. Since the
 * versioned coverage only appends, a change below the newest LSN {@linkplain #rebuild rebuilds} every version from
 * the lowest changed LSN start upwards, from the sorted layer set; versions below it are kept as they are.
 *
 * <p>Immutable: {@link #rebuild} returns a new instance. The layer set is a persistent sorted map, so a rebuild
 * copies nothing it does not change.
 *
 * @param <V> the layer type
 */
final class BufferedHistoricLayerCoverage<V> {
    private static final BufferedHistoricLayerCoverage<?> EMPTY = new BufferedHistoricLayerCoverage<>(
            TreePMap.empty(), HistoricLayerCoverage.empty());

    /** Every layer, in {@link LayerKey} order: what rebuilds read. */
    private final TreePMap<LayerKey, V> layers;
    private final HistoricLayerCoverage<V> historicCoverage;

    private BufferedHistoricLayerCoverage(TreePMap<LayerKey, V> layers, HistoricLayerCoverage<V> historicCoverage) {
        this.layers = layers;
        this.historicCoverage = historicCoverage;
    }

    @SuppressWarnings("unchecked")
    static <V> BufferedHistoricLayerCoverage<V> empty() {
        return (BufferedHistoricLayerCoverage<V>) EMPTY;
    }

    /**
     * Applies buffered updates, a layer to insert or (empty) to remove per key, and rebuilds the versions from the
     * lowest LSN start among them. Removing an absent key is a no-op here, as in Neon; {@link BatchedUpdates}
     * checks before.
     */
    BufferedHistoricLayerCoverage<V> rebuild(NavigableMap<LayerKey, Optional<V>> buffer) {
        if (buffer.isEmpty()) {
            return this;
        }
        long rebuildSince = buffer.firstKey().lsnStart();
        TreePMap<LayerKey, V> l = layers;
        for (Map.Entry<LayerKey, Optional<V>> e : buffer.entrySet()) {
            l = e.getValue().isPresent() ? l.plus(e.getKey(), e.getValue().get()) : l.minus(e.getKey());
        }
        HistoricLayerCoverage.Builder<V> b = historicCoverage.trim(rebuildSince);
        for (Map.Entry<LayerKey, V> e : l.tailMap(LayerKey.firstAt(rebuildSince), true).entrySet()) {
            b.insert(e.getKey(), e.getValue());
        }
        return new BufferedHistoricLayerCoverage<>(l, b.build());
    }

    /** The queryable coverage. */
    HistoricLayerCoverage<V> get() {
        return historicCoverage;
    }

    /** The layer stored under {@code key}, or {@code null}. */
    V layer(LayerKey key) {
        return layers.get(key);
    }

    /** Every layer in {@link LayerKey} order (an unmodifiable view). */
    Collection<V> iter() {
        return layers.values();
    }

    int len() {
        return layers.size();
    }
}
