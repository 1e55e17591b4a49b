package io.strata.engine.compaction;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.value.Value;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Consecutive items of a merge, in merge order: the entries and, for each, the layer it came from. A batch costs
 * two array slots per item, where a {@code Flux<MergeItem>} costs an object and an operator hop per item.
 * Immutable once emitted.
 */
public final class MergeBatch {
    private final LayerEntry[] entries;
    private final LayerName[] layers;
    private final int size;

    private MergeBatch(LayerEntry[] entries, LayerName[] layers, int size) {
        this.entries = entries != null ? entries : new LayerEntry[0];
        this.layers = layers != null ? layers : new LayerName[0];
        this.size = size;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public LayerEntry entry(int i) {
        return entries[Objects.checkIndex(i, size)];
    }

    public Key key(int i) {
        return entry(i).key();
    }

    public Lsn lsn(int i) {
        return entry(i).lsn();
    }

    public Value value(int i) {
        return entry(i).value();
    }

    /** The layer item {@code i} came from. */
    public LayerName layer(int i) {
        return layers[Objects.checkIndex(i, size)];
    }

    public MergeItem item(int i) {
        LayerEntry e = entry(i);
        return new MergeItem(e.key(), e.lsn(), e.value(), layers[i]);
    }

    /** The items as a list view; each {@code get} makes a {@link MergeItem}. */
    public List<MergeItem> items() {
        return new AbstractList<>() {
            @Override
            public MergeItem get(int index) {
                return item(index);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /**
     * Collects a batch item by item. Arrays start at the previous batch's size (batches tend to be alike) and grow
     * as needed, so full batches cost two slots per item and a short one does not cost a full one.
     */
    static final class Builder {
        private static final int INITIAL = 16;
        private final int max;
        private LayerEntry[] entries;
        private LayerName[] layers;
        private int size;
        private int lastSize = INITIAL;

        Builder(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + max);
            }
            this.max = max;
        }

        void add(LayerEntry entry, LayerName layer) {
            if (entries == null) {
                int n = Math.min(Math.max(INITIAL, lastSize), max);
                entries = new LayerEntry[n];
                layers = new LayerName[n];
            } else if (size == entries.length) {
                int n = (int) Math.min(max, 2L * size);
                entries = Arrays.copyOf(entries, n);
                layers = Arrays.copyOf(layers, n);
            }
            entries[size] = entry;
            layers[size++] = layer;
        }

        int size() {
            return size;
        }

        boolean isFull() {
            return size >= max;
        }

        /** The batch so far; the builder starts over. */
        MergeBatch build() {
            MergeBatch b = new MergeBatch(entries, layers, size);
            lastSize = size;
            entries = null;
            layers = null;
            size = 0;
            return b;
        }
    }

    @Override
    public String toString() {
        return size == 0 ? "MergeBatch[]" : "MergeBatch[" + size + " items, " + key(0) + "@" + lsn(0) + " .. "
                + key(size - 1) + "@" + lsn(size - 1) + "]";
    }
}
