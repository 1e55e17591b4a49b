package io.strata.engine.layermap;

import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Neon's {@code BatchedUpdates}: historic layer insertions and removals collected and applied at once by
 * {@link #flush()}, which rebuilds the versioned coverage once for the whole batch. The {@link LayerMap} it came
 * from never changes; {@code flush} returns the new version. For one thread; use once.
 */
public final class BatchedUpdates {
    private final LayerMap base;
    /** Per layer key: the layer to insert, or empty to remove. */
    private final TreeMap<LayerKey, Optional<PersistentLayerDesc>> buffer = new TreeMap<>();
    /** The L0 deltas as the batch leaves them, in insertion order as Neon's. */
    private final List<PersistentLayerDesc> l0DeltaLayers;
    private boolean flushed;

    BatchedUpdates(LayerMap base) {
        this.base = base;
        this.l0DeltaLayers = new ArrayList<>(base.level0Deltas());
    }

    /**
     * Adds an on-disk layer.
     *
     * @throws IllegalArgumentException naming the layer if the map (with this batch so far) already holds it
     */
    public BatchedUpdates insertHistoric(PersistentLayerDesc layer) {
        Objects.requireNonNull(layer, "layer");
        checkOpen();
        LayerKey key = LayerKey.of(layer);
        if (present(key)) {
            throw new IllegalArgumentException("layer " + layer.name() + " is already in the layer map");
        }
        if (LayerMap.isL0(layer.keyRange(), layer.isDelta())) {
            l0DeltaLayers.add(layer);
        }
        buffer.put(key, Optional.of(layer));
        return this;
    }

    /**
     * Removes an on-disk layer, once its file is deleted.
     *
     * @throws IllegalArgumentException naming the layer if the map (with this batch so far) does not hold it
     */
    public BatchedUpdates removeHistoric(PersistentLayerDesc layer) {
        Objects.requireNonNull(layer, "layer");
        checkOpen();
        LayerKey key = LayerKey.of(layer);
        if (!present(key)) {
            throw new IllegalArgumentException("layer " + layer.name() + " is not in the layer map");
        }
        if (LayerMap.isL0(layer.keyRange(), layer.isDelta())) {
            l0DeltaLayers.removeIf(l -> LayerKey.of(l).equals(key));
        }
        buffer.put(key, Optional.empty());
        return this;
    }

    /**
     * Applies every update at once and returns the new layer map, with the same in-memory layers. With no
     * updates, returns the map the batch came from.
     *
     * @throws IllegalStateException if already flushed
     */
    public LayerMap flush() {
        checkOpen();
        flushed = true;
        if (buffer.isEmpty()) {
            return base;
        }
        return base.withHistoric(base.historic().rebuild(buffer), List.copyOf(l0DeltaLayers));
    }

    private boolean present(LayerKey key) {
        Optional<PersistentLayerDesc> pending = buffer.get(key);
        return pending != null ? pending.isPresent() : base.historic().layer(key) != null;
    }

    private void checkOpen() {
        if (flushed) {
            throw new IllegalStateException("this batch of layer map updates was already flushed");
        }
    }
}
