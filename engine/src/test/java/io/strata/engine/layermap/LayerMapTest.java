package io.strata.engine.layermap;

import static io.strata.engine.layermap.TestLayers.delta;
import static io.strata.engine.layermap.TestLayers.image;
import static io.strata.engine.layermap.TestLayers.key;
import static io.strata.engine.layermap.TestLayers.lsn;
import static io.strata.engine.layermap.TestLayers.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Neon's tests of {@code layer_map.rs} (same scenarios and answers), and the Java API's own rules. */
class LayerMapTest {

    /** Neon's {@code brute_force_range_search}: {@link LayerMap#search} key by key. */
    static Map<SearchResult, KeySpace> bruteForceRangeSearch(LayerMap map, KeyRange range, Lsn endLsn) {
        Map<SearchResult, KeySpace.Builder> found = new HashMap<>();
        for (Key k = range.start(); !k.equals(range.end()); k = k.next()) {
            Key key = k;
            map.search(key, endLsn).ifPresent(r -> found.computeIfAbsent(r, x -> KeySpace.builder()).add(key));
        }
        Map<SearchResult, KeySpace> out = new HashMap<>();
        found.forEach((r, b) -> out.put(r, b.build()));
        return out;
    }

    @Test
    void rangedSearchOnEmptyLayerMap() {
        assertEquals(Map.of(), LayerMap.EMPTY.rangeSearch(range(100, 200), lsn(100)));
    }

    @Test
    void rangedSearch() {
        List<PersistentLayerDesc> layers = List.of(
                image(15, 50, 5),
                delta(10, 20, 5, 20),
                delta(15, 25, 20, 30),
                delta(35, 40, 25, 35),
                image(35, 40, 40));
        LayerMap map = TestLayers.layerMap(layers);
        // no in-memory layer, then a frozen one that overlaps the top-most image
        LayerMap withFrozen = map.withOpenLayer(InMemoryLayerDesc.open(1, lsn(35))).freezeOpenLayer(lsn(50));
        for (LayerMap m : List.of(map, withFrozen)) {
            for (int start = 0; start < 60; start++) {
                for (int end = start + 1; end < 60; end++) {
                    KeyRange r = range(start, end);
                    assertEquals(bruteForceRangeSearch(m, r, lsn(100)), m.rangeSearch(r, lsn(100)),
                            start + ".." + end + " with " + m);
                }
            }
        }
        // spot checks of what the brute force agrees with
        assertEquals(Map.of(new SearchResult(new LayerRef.Persistent(layers.get(4)), lsn(40)),
                KeySpace.single(range(35, 40))), map.rangeSearch(range(35, 40), lsn(100)));
        InMemoryLayerDesc frozen = withFrozen.frozenLayers().get(0);
        assertEquals(Map.of(new SearchResult(new LayerRef.InMemory(frozen), lsn(41)), KeySpace.single(range(35, 40))),
                withFrozen.rangeSearch(range(35, 40), lsn(100)));
    }

    @Test
    void layerVisibilityBasic() {
        BatchedUpdates updates = LayerMap.EMPTY.batchUpdate();
        // scenarios in backward-LSN order, the order the sweep meets them
        List<Lsn> readPoints = new ArrayList<>(List.of(lsn(1000)));

        // a delta ahead of any image layer
        PersistentLayerDesc aheadLayer = insert(updates, delta(10, 20, 101, 110));
        // an image layer is visible and covers some layers beneath itself
        PersistentLayerDesc visibleCoveringImg = insert(updates, image(5, 25, 99));
        // a delta covered by the image layer: covered
        PersistentLayerDesc coveredDelta = insert(updates, delta(10, 20, 90, 100));
        // a delta partially covered by an image layer: visible
        PersistentLayerDesc partiallyCoveredDelta = insert(updates, delta(1, 7, 90, 100));
        // a delta not covered by an image layer: visible
        PersistentLayerDesc notCoveredDelta = insert(updates, delta(1, 4, 90, 100));
        // an image covered by the image above: covered
        PersistentLayerDesc coveredImage = insert(updates, image(10, 20, 89));
        // an image partially covered by an image: visible
        PersistentLayerDesc partiallyCoveredImage = insert(updates, image(1, 7, 89));
        // an image not covered by an image: visible
        PersistentLayerDesc notCoveredImage = insert(updates, image(1, 4, 89));
        // a read point makes the layers below it visible, even under newer covering layers
        readPoints.add(lsn(80));
        // a delta covered by an earlier image, but visible to a read point below that image
        PersistentLayerDesc coveredDeltaBelowReadPoint = insert(updates, delta(10, 20, 70, 79));
        // a delta whose end is covered, but with a read point partway through its LSN range: visible
        PersistentLayerDesc coveringImgBetweenReadPoints = insert(updates, image(10, 20, 69));
        PersistentLayerDesc coveredDeltaBetweenReadPoints = insert(updates, delta(10, 15, 67, 69));
        readPoints.add(lsn(65));
        PersistentLayerDesc coveredDeltaIntersectsReadPoint = insert(updates, delta(15, 20, 60, 69));
        PersistentLayerDesc visibleImgAfterLastReadPoint = insert(updates, image(10, 20, 65));
        LayerMap map = updates.flush();

        Visibility v = map.getVisibility(readPoints);
        Map<PersistentLayerDesc, LayerVisibilityHint> hints = new HashMap<>();
        v.layers().forEach(e -> hints.put(e.getKey(), e.getValue()));
        assertEquals(map.historicLayerCount(), v.layers().size());

        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(aheadLayer));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(visibleCoveringImg));
        assertEquals(LayerVisibilityHint.COVERED, hints.get(coveredDelta));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(partiallyCoveredDelta));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(notCoveredDelta));
        assertEquals(LayerVisibilityHint.COVERED, hints.get(coveredImage));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(partiallyCoveredImage));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(notCoveredImage));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(coveredDeltaBelowReadPoint));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(coveringImgBetweenReadPoints));
        assertEquals(LayerVisibilityHint.COVERED, hints.get(coveredDeltaBetweenReadPoints));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(coveredDeltaIntersectsReadPoint));
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(visibleImgAfterLastReadPoint));

        // the shadow holds the images below the last read point
        assertEquals(KeySpace.single(range(10, 20)), v.shadow());
    }

    private static PersistentLayerDesc insert(BatchedUpdates updates, PersistentLayerDesc layer) {
        updates.insertHistoric(layer);
        return layer;
    }

    /**
     * layer_visibility_realistic, on a synthetic timeline instead of Neon's index_part.json fixture (not part of
     * this repository): a layer is covered exactly when newer image layers touching it together cover its keys.
     */
    @Test
    void layerVisibilityRealistic() throws IOException {
        for (long seed = 1; seed <= 3; seed++) {
            LayerMap map = TestLayers.layerMap(RealisticTimeline.generate(seed, 800));
            checkVisibilityAgainstBruteForce(map, "seed " + seed);
        }
        // -Dstrata.layermap.layerNames=FILE (one Neon layer file name a line) checks a real timeline's layers too
        String names = System.getProperty("strata.layermap.layerNames");
        if (names != null) {
            List<PersistentLayerDesc> layers = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of(names))) {
                if (!line.isBlank()) {
                    layers.add(new PersistentLayerDesc(LayerName.parse(line.strip()), 0));
                }
            }
            checkVisibilityAgainstBruteForce(TestLayers.layerMap(layers), names);
        }
    }

    /** Neon's brute-force check of get_visibility with one read point above every layer. */
    static void checkVisibilityAgainstBruteForce(LayerMap map, String what) {
        Lsn top = Lsn.INVALID;
        for (PersistentLayerDesc l : map.historicLayers()) {
            top = l.lsnEnd().compareTo(top) > 0 ? l.lsnEnd() : top;
        }
        Visibility v = map.getVisibility(List.of(top));
        assertFalse(v.shadow().isEmpty(), what + ": the shadow holds the image layers");
        assertTrue(v.layers().stream().anyMatch(e -> e.getValue() == LayerVisibilityHint.COVERED),
                what + ": some layers are covered");
        Map<PersistentLayerDesc, LayerVisibilityHint> hints = new HashMap<>();
        v.layers().forEach(e -> hints.put(e.getKey(), e.getValue()));
        assertEquals(map.historicLayerCount(), hints.size(), what);

        for (Map.Entry<PersistentLayerDesc, LayerVisibilityHint> e : hints.entrySet()) {
            PersistentLayerDesc layer = e.getKey();
            KeySpace.Builder coverage = KeySpace.builder();
            for (PersistentLayerDesc other : map.historicLayers()) {
                if (!other.equals(layer) && !other.isDelta()
                        && other.imageLayerLsn().compareTo(new Lsn(layer.lsnEnd().value() - 1)) >= 0
                        && other.keyRange().start().compareTo(layer.keyRange().end()) <= 0
                        && layer.keyRange().start().compareTo(other.keyRange().end()) <= 0) {
                    coverage.add(other.keyRange());
                }
            }
            KeySpace c = coverage.build();
            LayerVisibilityHint expected = c.ranges().size() == 1 && c.contains(layer.keyRange().start())
                    && c.contains(Key.fromI128(layer.keyRange().end().toI128Hi(),
                            layer.keyRange().end().toI128Lo() - 1))
                    ? LayerVisibilityHint.COVERED : LayerVisibilityHint.VISIBLE;
            assertEquals(expected, e.getValue(), what + ": " + layer.name());
        }

        // the layer with the newest data for the DBDIR key is visible
        SearchResult dbdir = map.search(Key.DBDIR_KEY, top).orElseThrow();
        assertEquals(LayerVisibilityHint.VISIBLE, hints.get(((LayerRef.Persistent) dbdir.layer()).desc()));
    }

    /**
     * test_compute_image_consistent_lsn. Neon's test makes images with LSN ranges L..L; Strata's image at L covers
     * [L, L+1), so the images here are at L-1, whose range ends at L as Neon's do: same answers.
     */
    @Test
    void computeImageConsistentLsn() {
        LayerMap map = LayerMap.EMPTY;
        Lsn diskConsistentLsn = lsn(1000);
        // 1: empty layer map
        assertEquals(lsn(999), map.computeImageConsistentLsn(diskConsistentLsn));

        // 2: only deltas
        map = map.batchUpdate().insertHistoric(delta(0, 100, 900, 990)).insertHistoric(delta(0, 100, 850, 899)).flush();
        assertEquals(lsn(849), map.computeImageConsistentLsn(diskConsistentLsn));

        // 3: 3 images, no L1 delta
        map = map.batchUpdate().insertHistoric(image(0, 40, 99)).insertHistoric(image(40, 70, 199))
                .insertHistoric(image(70, 100, 149)).flush();
        assertEquals(lsn(849), map.computeImageConsistentLsn(diskConsistentLsn));

        // 4: 3 images with 1 L1 delta
        map = map.batchUpdate().insertHistoric(delta(0, 50, 300, 350)).flush();
        assertEquals(lsn(299), map.computeImageConsistentLsn(diskConsistentLsn));

        // 5: one more L1 delta with a smaller LSN
        map = map.batchUpdate().insertHistoric(delta(50, 72, 200, 300)).flush();
        assertEquals(lsn(199), map.computeImageConsistentLsn(diskConsistentLsn));

        // 6: newer L1 deltas: no effect
        map = map.batchUpdate().insertHistoric(delta(0, 30, 400, 500)).insertHistoric(delta(35, 100, 450, 600)).flush();
        assertEquals(lsn(199), map.computeImageConsistentLsn(diskConsistentLsn));

        // 7: older L1 deltas: no effect
        map = map.batchUpdate().insertHistoric(delta(0, 40, 0, 50)).insertHistoric(delta(50, 100, 10, 60)).flush();
        assertEquals(lsn(199), map.computeImageConsistentLsn(diskConsistentLsn));

        // 8: one more L1 delta overlapping in LSN
        map = map.batchUpdate().insertHistoric(delta(0, 50, 50, 250)).flush();
        assertEquals(lsn(100), map.computeImageConsistentLsn(diskConsistentLsn));
    }

    // ---------------------------------------------------------------- the Java API's own rules

    @Test
    void insertingAPresentLayerOrRemovingAnAbsentOneFailsNamingIt() {
        PersistentLayerDesc a = delta(0, 10, 5, 10);
        LayerMap map = TestLayers.layerMap(List.of(a));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> map.batchUpdate().insertHistoric(a));
        assertTrue(e.getMessage().contains(a.name().toString()), e.getMessage());
        PersistentLayerDesc b = image(0, 10, 7);
        e = assertThrows(IllegalArgumentException.class, () -> map.batchUpdate().removeHistoric(b));
        assertTrue(e.getMessage().contains(b.name().toString()), e.getMessage());

        // within one batch: insert then insert again, remove then remove again
        assertThrows(IllegalArgumentException.class, () -> LayerMap.EMPTY.batchUpdate().insertHistoric(b)
                .insertHistoric(b));
        assertThrows(IllegalArgumentException.class, () -> map.batchUpdate().removeHistoric(a).removeHistoric(a));
        // remove then insert again in one batch is fine
        LayerMap same = map.batchUpdate().removeHistoric(a).insertHistoric(a).flush();
        assertEquals(List.of(a), List.copyOf(same.historicLayers()));

        BatchedUpdates flushed = map.batchUpdate();
        flushed.flush();
        assertThrows(IllegalStateException.class, flushed::flush);
        assertThrows(IllegalStateException.class, () -> flushed.insertHistoric(b));
    }

    @Test
    void anEmptyBatchReturnsTheSameMap() {
        LayerMap map = TestLayers.layerMap(List.of(delta(0, 10, 5, 10)));
        assertSame(map, map.batchUpdate().flush());
    }

    @Test
    void anOldMapAnswersAsBeforeAfterABatchMadeANewOne() {
        PersistentLayerDesc img = image(0, 50, 10);
        PersistentLayerDesc d1 = delta(0, 30, 11, 20);
        PersistentLayerDesc d2 = delta(20, 50, 15, 25);
        LayerMap before = TestLayers.layerMap(List.of(img, d1, d2));
        Map<String, Object> answers = answers(before);

        // a retroactive insert below everything, a removal and a new top layer: a full rebuild
        PersistentLayerDesc older = image(0, 50, 3);
        PersistentLayerDesc l0 = delta(KeyRange.FULL, 25, 30);
        LayerMap after = before.batchUpdate().insertHistoric(older).removeHistoric(d1).insertHistoric(l0).flush();
        assertNotSame(before, after);

        assertEquals(answers, answers(before), "the old map still answers as it did");
        assertEquals(3, before.historicLayerCount());
        assertEquals(List.of(), before.level0Deltas());
        assertEquals(4, after.historicLayerCount());
        assertEquals(List.of(l0), after.level0Deltas());
        assertEquals(Optional.of(new SearchResult(new LayerRef.Persistent(l0), lsn(25))), after.search(key(5), lsn(40)));
        assertEquals(Optional.of(new SearchResult(new LayerRef.Persistent(img), lsn(10))), after.search(key(5), lsn(25)));
        assertEquals(Optional.of(new SearchResult(new LayerRef.Persistent(older), lsn(3))), after.search(key(5), lsn(10)));
        assertEquals(Optional.empty(), before.search(key(5), lsn(10)));
    }

    private static Map<String, Object> answers(LayerMap map) {
        Map<String, Object> out = new HashMap<>();
        for (int k = 0; k < 55; k += 3) {
            for (int l = 0; l < 35; l++) {
                out.put("search " + k + "@" + l, map.search(key(k), lsn(l)));
                out.put("exists " + k + "@" + l, map.imageLayerExists(range(k, k + 7), lsn(l), lsn(l + 5)));
                out.put("deltas " + k + "@" + l, map.countDeltas(range(k, k + 7), lsn(l), lsn(l + 9), OptionalInt.empty()));
                out.put("coverage " + k + "@" + l, map.imageCoverage(range(k, k + 7), lsn(l)));
            }
        }
        for (int l = 0; l < 35; l++) {
            out.put("range@" + l, map.rangeSearch(range(0, 60), lsn(l)));
        }
        out.put("layers", List.copyOf(map.historicLayers()));
        return out;
    }

    @Test
    void inMemoryLayersOpenFreezeAndFlush() {
        LayerMap map = TestLayers.layerMap(List.of(image(0, 100, 10)));
        assertEquals(Optional.empty(), map.openLayer());
        assertEquals(Optional.empty(), map.nextOpenLayerAt());

        LayerMap open = map.withOpenLayer(InMemoryLayerDesc.open(1, lsn(11)));
        assertThrows(IllegalStateException.class, () -> open.withOpenLayer(InMemoryLayerDesc.open(2, lsn(11))));
        assertThrows(IllegalArgumentException.class,
                () -> map.withOpenLayer(new InMemoryLayerDesc(2, lsn(11), lsn(20))));
        assertThrows(IllegalArgumentException.class, () -> open.freezeOpenLayer(lsn(11)));
        InMemoryLayerDesc openDesc = open.openLayer().orElseThrow();
        assertEquals(Optional.of(new SearchResult(new LayerRef.InMemory(openDesc), lsn(11))),
                open.search(key(5), lsn(30)));
        assertEquals(Optional.of(new SearchResult(new LayerRef.Persistent(image(0, 100, 10)), lsn(10))),
                open.search(key(5), lsn(11)));

        LayerMap frozen = open.freezeOpenLayer(lsn(20));
        assertEquals(Optional.empty(), frozen.openLayer());
        assertEquals(Optional.of(lsn(20)), frozen.nextOpenLayerAt());
        assertEquals(List.of(new InMemoryLayerDesc(1, lsn(11), lsn(20))), frozen.frozenLayers());
        assertThrows(IllegalStateException.class, () -> frozen.freezeOpenLayer(lsn(30)));

        LayerMap reopened = frozen.withOpenLayer(InMemoryLayerDesc.open(2, lsn(20)));
        assertEquals(Optional.empty(), reopened.nextOpenLayerAt());
        assertEquals(Optional.of(new InMemoryLayerDesc(2, lsn(20), Lsn.MAX)), reopened.searchInMemoryLayer(lsn(21)));
        assertEquals(Optional.of(new InMemoryLayerDesc(1, lsn(11), lsn(20))), reopened.searchInMemoryLayer(lsn(20)));
        assertEquals(Optional.empty(), reopened.searchInMemoryLayer(lsn(11)));

        // flushing the frozen layer: its L0 goes in, then the frozen layer goes away
        assertThrows(IllegalArgumentException.class, () -> reopened.withoutOldestFrozenLayer(2));
        PersistentLayerDesc l0 = delta(KeyRange.FULL, 11, 20);
        LayerMap flushed = reopened.batchUpdate().insertHistoric(l0).flush().withoutOldestFrozenLayer(1);
        assertEquals(List.of(), flushed.frozenLayers());
        assertEquals(reopened.openLayer(), flushed.openLayer());
        assertEquals(List.of(l0), flushed.level0Deltas());
        assertEquals(Optional.of(new SearchResult(new LayerRef.Persistent(l0), lsn(11))), flushed.search(key(5), lsn(20)));
        assertThrows(IllegalStateException.class, () -> flushed.withoutOldestFrozenLayer(1));
    }

    @Test
    void level0DeltasKeepInsertionOrderAndLoseRemovedOnes() {
        PersistentLayerDesc a = delta(KeyRange.FULL, 30, 40);
        PersistentLayerDesc b = delta(KeyRange.FULL, 10, 20);
        PersistentLayerDesc c = delta(KeyRange.FULL, 20, 30);
        PersistentLayerDesc notL0 = delta(0, 10, 10, 20);
        LayerMap map = TestLayers.layerMap(List.of(a, b, notL0, c));
        assertEquals(List.of(a, b, c), map.level0Deltas());
        assertEquals(List.of(a, c), map.batchUpdate().removeHistoric(b).flush().level0Deltas());
        assertTrue(LayerMap.isL0(KeyRange.FULL, true));
        assertFalse(LayerMap.isL0(KeyRange.FULL, false));
        assertFalse(LayerMap.isL0(range(0, 10), true));
    }

    @Test
    void reimageWorthinessAndCountDeltas() {
        PersistentLayerDesc l0 = delta(KeyRange.FULL, 30, 40);
        PersistentLayerDesc l1 = delta(0, 10, 20, 30);
        PersistentLayerDesc l1b = delta(0, 10, 10, 20);
        assertTrue(LayerMap.isReimageWorthy(l1, range(0, 10)));
        assertFalse(LayerMap.isReimageWorthy(l0, range(0, 10)));
        assertTrue(LayerMap.isReimageWorthy(l0, KeyRange.FULL));

        LayerMap map = TestLayers.layerMap(List.of(l0, l1, l1b));
        assertEquals(2, map.countDeltas(range(0, 10), lsn(0), lsn(50), OptionalInt.empty()));
        assertEquals(3, map.countDeltas(KeyRange.FULL, lsn(0), lsn(50), OptionalInt.empty()));
        assertEquals(1, map.countDeltas(KeyRange.FULL, lsn(0), lsn(50), OptionalInt.of(1)));
        assertEquals(0, map.countDeltas(KeyRange.FULL, lsn(0), lsn(50), OptionalInt.of(0)));
        assertEquals(2, map.countDeltas(range(0, 10), lsn(15), lsn(25), OptionalInt.empty()));
        assertEquals(1, map.countDeltas(range(0, 10), lsn(20), lsn(25), OptionalInt.empty()));
        assertEquals(0, map.countDeltas(range(0, 10), lsn(25), lsn(25), OptionalInt.empty()));
        assertThrows(IllegalArgumentException.class,
                () -> map.countDeltas(range(0, 10), lsn(0), lsn(50), OptionalInt.of(-1)));
    }

    /**
     * Neon compares keys in their i128 form: a range search up to Key.MAX gives an L0 every key up to Key.MAX,
     * and image coverage boundaries come back in i128 form. A coverage change at the range's start gives an
     * empty first part, as Neon's {@code image_coverage} does.
     */
    @Test
    void keysAreComparedInTheirI128Form() {
        PersistentLayerDesc l0 = delta(KeyRange.FULL, 10, 20);
        PersistentLayerDesc img = image(KeyRange.FULL, 5);
        LayerMap map = TestLayers.layerMap(List.of(l0, img));
        assertEquals(Map.of(new SearchResult(new LayerRef.Persistent(l0), lsn(10)), KeySpace.single(KeyRange.FULL)),
                map.rangeSearch(KeyRange.FULL, lsn(30)));
        Key i128Max = Key.fromI128(Key.MAX.toI128Hi(), Key.MAX.toI128Lo());
        assertEquals(List.of(new ImageCoverage(new KeyRange(Key.MIN, Key.MIN), Optional.of(img)),
                new ImageCoverage(new KeyRange(Key.MIN, i128Max), Optional.of(img))),
                map.imageCoverage(KeyRange.FULL, lsn(30)));
        assertEquals(List.of(new ImageCoverage(range(1, 9), Optional.of(img))), map.imageCoverage(range(1, 9), lsn(5)));
        assertEquals(List.of(), map.imageCoverage(range(1, 9), lsn(4)));
        assertTrue(map.imageLayerExists(KeyRange.FULL, lsn(5), lsn(6)));
        assertFalse(map.imageLayerExists(KeyRange.FULL, lsn(6), lsn(30)));
        assertTrue(map.imageLayerExists(range(5, 5), lsn(6), lsn(30)), "vacuously true for no keys");
        // Key.MAX is the L0's exclusive end; a key above the i128 range reads as its i128 form
        assertEquals(Optional.empty(), map.search(Key.MAX, lsn(30)));
        assertEquals(Optional.of(new SearchResult(new LayerRef.Persistent(l0), lsn(10))),
                map.search(new Key(0xFF, 0, 0, 0, 0, 0), lsn(30)));
        assertThrows(IllegalStateException.class, () -> map.search(new Key(0, 0x10000, 0, 0, 0, 0), lsn(30)));
    }
}
