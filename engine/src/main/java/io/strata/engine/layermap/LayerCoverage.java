package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pcollections.TreePMap;

/**
 * Neon's {@code LayerCoverage}: for one LSN, which layer is the newest (by LSN end) at each key. Stored as the
 * points where that answer changes, each with the layer that holds from there to the next point (or none).
 * Immutable and persistent: {@link #insert} returns a new coverage that shares all but O(log n) nodes with this
 * one, so {@link HistoricLayerCoverage} can keep one coverage per LSN at little cost.
 *
 * <p>Keys are {@linkplain LayerKey#coverageKey coverage keys}; {@code lsnEnd} values are u64 bits.
 *
 * @param <V> the layer type (tests use strings)
 */
final class LayerCoverage<V> {
    /** A change point: the layer from here on, with its LSN end, or none. */
    private record Cover<V>(long lsnEnd, V value) {
    }

    /** One change of coverage: from {@code key} on, {@code value} is the newest layer ({@code null}: none). */
    record Change<V>(Key key, V value) {
    }

    private static final Cover<?> NONE = new Cover<>(0, null);
    private static final LayerCoverage<?> EMPTY = new LayerCoverage<>(TreePMap.empty());

    private final TreePMap<Key, Cover<V>> nodes;

    private LayerCoverage(TreePMap<Key, Cover<V>> nodes) {
        this.nodes = nodes;
    }

    @SuppressWarnings("unchecked")
    static <V> LayerCoverage<V> empty() {
        return (LayerCoverage<V>) EMPTY;
    }

    @SuppressWarnings("unchecked")
    private static <V> Cover<V> none() {
        return (Cover<V>) NONE;
    }

    /**
     * Splits the coverage at {@code key} without changing any answer, so that an insertion changes nothing
     * outside its key range (Neon's {@code add_node}).
     */
    private static <V> TreePMap<Key, Cover<V>> addNode(TreePMap<Key, Cover<V>> nodes, Key key) {
        Map.Entry<Key, Cover<V>> floor = nodes.floorEntry(key);
        if (floor != null && floor.getKey().equals(key)) {
            return nodes;
        }
        return nodes.plus(key, floor == null ? none() : floor.getValue());
    }

    /**
     * A coverage with a layer over {@code [start, end)} whose LSN range ends at {@code lsnEnd}: it becomes the
     * answer wherever the current one ends at a lower LSN (or there is none); equal ends keep the older answer.
     * Layers must come in non-decreasing LSN start order for the result to mean "newest"; this does not check.
     * Worst case O(n), in practice O(log n), as Neon's.
     */
    LayerCoverage<V> insert(Key start, Key end, long lsnEnd, V value) {
        Objects.requireNonNull(value, "value");
        TreePMap<Key, Cover<V>> n = addNode(addNode(nodes, start), end);
        if (start.compareTo(end) >= 0) {
            return new LayerCoverage<>(n);
        }
        List<Key> toUpdate = new ArrayList<>();
        List<Key> toRemove = new ArrayList<>();
        boolean prevCovered = false;
        for (Map.Entry<Key, Cover<V>> e : n.subMap(start, true, end, false).entrySet()) {
            Cover<V> c = e.getValue();
            boolean needsCover = c == NONE || Long.compareUnsigned(c.lsnEnd, lsnEnd) < 0;
            if (needsCover) {
                (prevCovered ? toRemove : toUpdate).add(e.getKey());
            }
            prevCovered = needsCover;
        }
        Cover<V> cover = new Cover<>(lsnEnd, value);
        for (Key k : toUpdate) {
            n = n.plus(k, cover);
        }
        for (Key k : toRemove) {
            n = n.minus(k);
        }
        return new LayerCoverage<>(n);
    }

    /** The newest layer at {@code key} (a coverage key), or {@code null}. O(log n), allocation-free. */
    V query(Key key) {
        Map.Entry<Key, Cover<V>> floor = nodes.floorEntry(key);
        return floor == null ? null : floor.getValue().value;
    }

    /**
     * The changes of coverage at keys in {@code [start, end)}; start with {@link #query}{@code (start)} for the
     * answer before the first. O(log n + changes).
     */
    List<Change<V>> range(Key start, Key end) {
        List<Change<V>> out = new ArrayList<>();
        if (start.compareTo(end) >= 0) {
            return out;
        }
        for (Map.Entry<Key, Cover<V>> e : nodes.subMap(start, true, end, false).entrySet()) {
            out.add(new Change<>(e.getKey(), e.getValue().value));
        }
        return out;
    }

    /**
     * The changes of coverage of the layers that intersect {@code [start, end)}, Neon's {@code range_overlaps}:
     * if a layer covers {@code start}, the first change is {@code (start, that layer)}, and a following change
     * to the same layer is dropped.
     */
    List<Change<V>> rangeOverlaps(Key start, Key end) {
        V first = query(start);
        List<Change<V>> changes = range(start, end);
        if (first == null) {
            return changes;
        }
        List<Change<V>> out = new ArrayList<>(changes.size() + 1);
        out.add(new Change<>(start, first));
        int from = !changes.isEmpty() && first.equals(changes.get(0).value()) ? 1 : 0;
        out.addAll(changes.subList(from, changes.size()));
        return out;
    }

    /** Number of change points. */
    int size() {
        return nodes.size();
    }
}
