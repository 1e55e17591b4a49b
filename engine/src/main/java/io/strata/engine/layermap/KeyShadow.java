package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keys covered by image layers during {@link LayerVisibility}'s sweep (Neon's {@code KeyShadow} on a
 * range set): disjoint, non-adjacent ranges of coverage keys, made for fast unions with one range at a time.
 * Not thread-safe.
 */
final class KeyShadow {
    /** Start to exclusive end; no two ranges overlap or touch. */
    private final TreeMap<Key, Key> ranges = new TreeMap<>();

    /** Whether every key of {@code range} is covered (an empty range is). */
    boolean contains(KeyRange range) {
        Key start = LayerKey.coverageKey(range.start());
        Key end = LayerKey.coverageKey(range.end());
        if (start.compareTo(end) >= 0) {
            return true;
        }
        Map.Entry<Key, Key> floor = ranges.floorEntry(start);
        return floor != null && floor.getValue().compareTo(end) >= 0;
    }

    /** Covers {@code range}; returns whether that covered some key that was not covered before. */
    boolean cover(KeyRange range) {
        if (contains(range)) {
            return false;
        }
        Key start = LayerKey.coverageKey(range.start());
        Key end = LayerKey.coverageKey(range.end());
        Map.Entry<Key, Key> floor = ranges.floorEntry(start);
        if (floor != null && floor.getValue().compareTo(start) >= 0) {
            start = floor.getKey();
            end = max(end, floor.getValue());
            ranges.remove(floor.getKey());
        }
        for (Map.Entry<Key, Key> e = ranges.ceilingEntry(start); e != null && e.getKey().compareTo(end) <= 0;
                e = ranges.ceilingEntry(start)) {
            end = max(end, e.getValue());
            ranges.remove(e.getKey());
        }
        ranges.put(start, end);
        return true;
    }

    void reset() {
        ranges.clear();
    }

    KeySpace toKeySpace() {
        KeySpace.Builder b = KeySpace.builder();
        ranges.forEach((s, e) -> b.add(new KeyRange(s, e)));
        return b.build();
    }

    private static Key max(Key a, Key b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
