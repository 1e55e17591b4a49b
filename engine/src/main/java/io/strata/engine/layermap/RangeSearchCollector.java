package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Neon's {@code RangeSearchCollector}: answers {@link LayerMap#rangeSearch} in one sweep over the key range,
 * merging the delta and image coverage changes of the layers that intersect it (two pointers), and choosing the
 * layer of each stretch between changes with {@link LayerMap#selectLayer}. Stretches no persistent layer covers
 * go to the in-memory layer, if there is one. Single use.
 */
final class RangeSearchCollector {
    /** Which coverage changes next: delta, image, or both at the same key. */
    private enum NextLayerType { DELTA, IMAGE, BOTH }

    private final InMemoryLayerDesc inMemoryLayer;
    private final List<LayerCoverage.Change<PersistentLayerDesc>> deltaCoverage;
    private final List<LayerCoverage.Change<PersistentLayerDesc>> imageCoverage;
    private int nextDelta;
    private int nextImage;
    private final KeyRange keyRange;
    private final Lsn endLsn;

    private PersistentLayerDesc currentDelta;
    private PersistentLayerDesc currentImage;

    private final Map<SearchResult, KeySpace.Builder> result = new LinkedHashMap<>();

    /**
     * @param inMemoryLayer the in-memory layer below {@code endLsn}, or null
     * @param deltaCoverage {@link LayerCoverage#rangeOverlaps} of the delta coverage
     * @param imageCoverage the same of the image coverage
     */
    RangeSearchCollector(KeyRange keyRange, Lsn endLsn, InMemoryLayerDesc inMemoryLayer,
                         List<LayerCoverage.Change<PersistentLayerDesc>> deltaCoverage,
                         List<LayerCoverage.Change<PersistentLayerDesc>> imageCoverage) {
        this.keyRange = keyRange;
        this.endLsn = endLsn;
        this.inMemoryLayer = inMemoryLayer;
        this.deltaCoverage = deltaCoverage;
        this.imageCoverage = imageCoverage;
    }

    /**
     * Runs the sweep: one pointer at the start of the current stretch, the other at the next change of either
     * coverage.
     */
    Map<SearchResult, KeySpace> collect() {
        NextLayerType first = chooseNextLayerType();
        if (first == null || keyRange.end().compareTo(nextChangeAtKey(first)) <= 0) {
            // no changes, or only past the end of the range
            padRange(keyRange);
            return build();
        }
        Key currentRangeStart = nextChangeAtKey(first);
        padRange(new KeyRange(keyRange.start(), currentRangeStart));
        advance(first);

        while (currentRangeStart.compareTo(keyRange.end()) < 0) {
            NextLayerType t = chooseNextLayerType();
            if (t != null) {
                Key currentRangeEnd = nextChangeAtKey(t);
                addRange(new KeyRange(currentRangeStart, currentRangeEnd));
                currentRangeStart = currentRangeEnd;
                advance(t);
            } else {
                addRange(new KeyRange(currentRangeStart, keyRange.end()));
                currentRangeStart = keyRange.end();
            }
        }
        return build();
    }

    private Map<SearchResult, KeySpace> build() {
        Map<SearchResult, KeySpace> out = new HashMap<>();
        result.forEach((k, v) -> out.put(k, v.build()));
        return Collections.unmodifiableMap(out);
    }

    /** Gives a stretch no persistent layer covers to the in-memory layer, if any. */
    private void padRange(KeyRange range) {
        if (!range.isEmpty() && inMemoryLayer != null) {
            SearchResult r = new SearchResult(new LayerRef.InMemory(inMemoryLayer), inMemoryLayer.lsnStart());
            result.computeIfAbsent(r, k -> KeySpace.builder()).add(range);
        }
    }

    /** Gives a stretch to the layer {@link LayerMap#selectLayer} picks from the current delta and image. */
    private void addRange(KeyRange covered) {
        SearchResult selected = LayerMap.selectLayer(currentDelta, currentImage, inMemoryLayer, endLsn);
        if (selected != null) {
            result.computeIfAbsent(selected, k -> KeySpace.builder()).add(covered);
        } else {
            padRange(covered);
        }
    }

    private void advance(NextLayerType t) {
        switch (t) {
            case DELTA -> currentDelta = deltaCoverage.get(nextDelta++).value();
            case IMAGE -> currentImage = imageCoverage.get(nextImage++).value();
            case BOTH -> {
                currentImage = imageCoverage.get(nextImage++).value();
                currentDelta = deltaCoverage.get(nextDelta++).value();
            }
        }
    }

    private Key nextChangeAtKey(NextLayerType t) {
        return t == NextLayerType.IMAGE ? imageCoverage.get(nextImage).key() : deltaCoverage.get(nextDelta).key();
    }

    /** The next change: at the lesser key, or both if they are at the same key; null when both are done. */
    private NextLayerType chooseNextLayerType() {
        boolean delta = nextDelta < deltaCoverage.size();
        boolean image = nextImage < imageCoverage.size();
        if (!delta && !image) {
            return null;
        }
        if (!image) {
            return NextLayerType.DELTA;
        }
        if (!delta) {
            return NextLayerType.IMAGE;
        }
        int c = imageCoverage.get(nextImage).key().compareTo(deltaCoverage.get(nextDelta).key());
        return c < 0 ? NextLayerType.IMAGE : c > 0 ? NextLayerType.DELTA : NextLayerType.BOTH;
    }
}
