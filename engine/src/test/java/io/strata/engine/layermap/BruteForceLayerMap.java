package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * The layer map's questions answered by looking at every layer, for comparison with {@link LayerMap}. It
 * relies only on what the versioned coverage means: at LSN v, the newest layer of a kind over a key is, among
 * the layers starting at or below v that contain the key (in i128 form), the one with the highest LSN end, the
 * first in {@link LayerKey} order on ties. Answers are constant between layer boundaries, so range questions
 * are answered per segment between boundaries.
 */
final class BruteForceLayerMap {
    private final List<PersistentLayerDesc> layers;
    private final InMemoryLayerDesc open;
    private final List<InMemoryLayerDesc> frozen;
    /** Every layer's key boundaries in i128 form. */
    private final TreeSet<Key> boundaries = new TreeSet<>();

    BruteForceLayerMap(Collection<PersistentLayerDesc> layers, InMemoryLayerDesc open, List<InMemoryLayerDesc> frozen) {
        this.layers = new ArrayList<>(layers);
        this.layers.sort(Comparator.comparing(LayerKey::of));
        this.open = open;
        this.frozen = frozen;
        for (PersistentLayerDesc l : layers) {
            boundaries.add(LayerKey.coverageKey(l.keyRange().start()));
            boundaries.add(LayerKey.coverageKey(l.keyRange().end()));
        }
    }

    /** Newest layer of a kind over coverage key {@code k} among those starting at or below {@code version}. */
    PersistentLayerDesc newest(Key k, long version, boolean image) {
        PersistentLayerDesc best = null;
        for (PersistentLayerDesc l : layers) {
            if (l.isDelta() == image || Long.compareUnsigned(l.lsnStart().value(), version) > 0) {
                continue;
            }
            Key s = LayerKey.coverageKey(l.keyRange().start());
            Key e = LayerKey.coverageKey(l.keyRange().end());
            if (s.compareTo(k) <= 0 && k.compareTo(e) < 0
                    && (best == null || l.lsnEnd().compareTo(best.lsnEnd()) > 0)) {
                best = l;
            }
        }
        return best;
    }

    private boolean hasVersion(long version) {
        return layers.stream().anyMatch(l -> Long.compareUnsigned(l.lsnStart().value(), version) <= 0);
    }

    InMemoryLayerDesc inMemory(Lsn below) {
        if (open != null && below.compareTo(open.lsnStart()) > 0) {
            return open;
        }
        for (int i = frozen.size() - 1; i >= 0; i--) {
            if (below.compareTo(frozen.get(i).lsnStart()) > 0) {
                return frozen.get(i);
            }
        }
        return null;
    }

    Optional<SearchResult> search(Key key, Lsn endLsn) {
        InMemoryLayerDesc inMemory = inMemory(endLsn);
        long version = endLsn.value() - 1;
        if (!hasVersion(version)) {
            return Optional.ofNullable(inMemory == null ? null
                    : new SearchResult(new LayerRef.InMemory(inMemory), inMemory.lsnStart()));
        }
        Key k = LayerKey.coverageKey(key);
        return Optional.ofNullable(LayerMap.selectLayer(newest(k, version, false), newest(k, version, true), inMemory,
                endLsn));
    }

    /** The segments of {@code [start, end)} (coverage keys) between layer boundaries. */
    List<KeyRange> segments(Key start, Key end) {
        List<KeyRange> out = new ArrayList<>();
        Key s = start;
        for (Key b : boundaries.subSet(start, false, end, false)) {
            out.add(new KeyRange(s, b));
            s = b;
        }
        if (s.compareTo(end) < 0) {
            out.add(new KeyRange(s, end));
        }
        return out;
    }

    /** For ranges of keys already in i128 form. */
    Map<SearchResult, KeySpace> rangeSearch(KeyRange range, Lsn endLsn) {
        Map<SearchResult, KeySpace.Builder> found = new HashMap<>();
        for (KeyRange seg : segments(range.start(), range.end())) {
            search(seg.start(), endLsn).ifPresent(r -> found.computeIfAbsent(r, x -> KeySpace.builder()).add(seg));
        }
        Map<SearchResult, KeySpace> out = new HashMap<>();
        found.forEach((r, b) -> out.put(r, b.build()));
        return out;
    }

    boolean imageLayerExists(KeyRange key, Lsn lsnStart, Lsn lsnEnd) {
        if (key.isEmpty()) {
            return true;
        }
        long version = lsnEnd.value() - 1;
        if (!hasVersion(version)) {
            return false;
        }
        for (KeyRange seg : segments(LayerKey.coverageKey(key.start()), LayerKey.coverageKey(key.end()))) {
            PersistentLayerDesc img = newest(seg.start(), version, true);
            if (img == null || img.lsnStart().compareTo(lsnStart) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Image coverage with adjacent parts of the same layer merged and empty parts dropped. */
    List<ImageCoverage> imageCoverageMerged(KeyRange range, Lsn lsn) {
        if (!hasVersion(lsn.value())) {
            return List.of();
        }
        List<ImageCoverage> parts = new ArrayList<>();
        for (KeyRange seg : segments(LayerKey.coverageKey(range.start()), LayerKey.coverageKey(range.end()))) {
            parts.add(new ImageCoverage(seg, Optional.ofNullable(newest(seg.start(), lsn.value(), true))));
        }
        return merge(parts);
    }

    static List<ImageCoverage> merge(List<ImageCoverage> parts) {
        List<ImageCoverage> out = new ArrayList<>();
        for (ImageCoverage p : parts) {
            if (p.range().isEmpty()) {
                continue;
            }
            ImageCoverage last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.layer().equals(p.layer()) && last.range().end().equals(p.range().start())) {
                out.set(out.size() - 1, new ImageCoverage(new KeyRange(last.range().start(), p.range().end()),
                        p.layer()));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Per key segment: the newest delta, if it ends above {@code lsnStart}, counts (an L0 only for the whole key
     * space, and only at the top: Neon's recursion passes each part's i128-form range, never Key.MAX-ended) and
     * the stack goes on below its start. The answer is the tallest stack, capped at {@code limit}.
     */
    int countDeltas(KeyRange key, Lsn lsnStart, Lsn lsnEnd, OptionalInt limit) {
        if (key.isEmpty()) {
            return 0;
        }
        int max = 0;
        for (KeyRange seg : segments(LayerKey.coverageKey(key.start()), LayerKey.coverageKey(key.end()))) {
            max = Math.max(max, stackAt(seg.start(), lsnStart.value(), lsnEnd.value(), key));
        }
        return limit.isPresent() ? Math.min(max, limit.getAsInt()) : max;
    }

    private int stackAt(Key k, long lsnStart, long lsnEnd, KeyRange partition) {
        if (Long.compareUnsigned(lsnStart, lsnEnd) >= 0) {
            return 0;
        }
        PersistentLayerDesc d = newest(k, lsnEnd - 1, false);
        if (d == null || Long.compareUnsigned(d.lsnEnd().value(), lsnStart) <= 0) {
            return 0;
        }
        int base = partition != null ? (LayerMap.isReimageWorthy(d, partition) ? 1 : 0) : (d.isL0() ? 0 : 1);
        return base + stackAt(k, lsnStart, d.lsnStart().value(), null);
    }
}
