package io.strata.engine.layermap;

import static io.strata.engine.layermap.TestLayers.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.engine.key.Key;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Neon's tests of {@code historic_layer_coverage.rs}, same scenarios and answers. */
class HistoricLayerCoverageTest {
    private static LayerKey layerKey(long keyStart, long keyEnd, long lsnStart, long lsnEnd, boolean isImage) {
        return new LayerKey(key(keyStart), key(keyEnd), lsnStart, lsnEnd, isImage);
    }

    private static String imageAt(HistoricLayerCoverage.Builder<String> map, long lsn, long key) {
        return map.getVersion(lsn).imageCoverage().query(key(key));
    }

    /** test_persistent_simple: the most basic usage; all layers have height 1. */
    @Test
    void persistentSimple() {
        HistoricLayerCoverage.Builder<String> map = HistoricLayerCoverage.builder();
        map.insert(layerKey(0, 5, 100, 101, true), "Layer 1");
        map.insert(layerKey(3, 9, 110, 111, true), "Layer 2");
        map.insert(layerKey(5, 6, 120, 121, true), "Layer 3");

        // after Layer 1
        assertEquals("Layer 1", imageAt(map, 105, 1));
        assertEquals("Layer 1", imageAt(map, 105, 4));
        // after Layer 2
        assertEquals("Layer 2", imageAt(map, 115, 4));
        assertEquals("Layer 2", imageAt(map, 115, 8));
        assertNull(imageAt(map, 115, 11));
        // after Layer 3
        assertEquals("Layer 2", imageAt(map, 125, 4));
        assertEquals("Layer 3", imageAt(map, 125, 5));
        assertEquals("Layer 2", imageAt(map, 125, 7));

        // the built (immutable) coverage answers the same
        HistoricLayerCoverage<String> built = map.build();
        assertEquals("Layer 3", built.getVersion(125).imageCoverage().query(key(5)));
        assertEquals(3, built.versionCount());
    }

    /** test_off_by_one: simple off-by-one edge cases. */
    @Test
    void offByOne() {
        HistoricLayerCoverage.Builder<String> map = HistoricLayerCoverage.builder();
        map.insert(layerKey(3, 5, 100, 110, true), "Layer 1");

        // different LSNs
        assertNull(map.getVersion(99));
        assertEquals("Layer 1", imageAt(map, 100, 4));
        assertEquals("Layer 1", imageAt(map, 110, 4));
        // different keys
        assertNull(imageAt(map, 105, 2));
        assertEquals("Layer 1", imageAt(map, 105, 3));
        assertEquals("Layer 1", imageAt(map, 105, 4));
        assertNull(imageAt(map, 105, 5));
    }

    /** test_regression: an insertion must not remove the node at a previous layer's key end. */
    @Test
    void regression() {
        HistoricLayerCoverage.Builder<String> map = HistoricLayerCoverage.builder();
        map.insert(layerKey(0, 5, 0, 5, false), "Layer 1");
        map.insert(layerKey(0, 5, 1, 2, false), "Layer 2");

        // a wrongly removed end point would leave a layer covering the whole key space
        assertNull(map.getVersion(100).deltaCoverage().query(key(100)));
    }

    /** test_key_collision: layers beginning or ending at the same key. */
    @Test
    void keyCollision() {
        HistoricLayerCoverage.Builder<String> map = HistoricLayerCoverage.builder();
        map.insert(layerKey(3, 5, 100, 110, true), "Layer 10");
        map.insert(layerKey(5, 8, 100, 110, true), "Layer 11");
        map.insert(layerKey(3, 4, 200, 210, true), "Layer 20");

        // after layer 11
        assertNull(imageAt(map, 105, 2));
        assertEquals("Layer 10", imageAt(map, 105, 3));
        assertEquals("Layer 11", imageAt(map, 105, 5));
        assertEquals("Layer 11", imageAt(map, 105, 7));
        assertNull(imageAt(map, 105, 8));
        // after layer 20
        assertNull(imageAt(map, 205, 2));
        assertEquals("Layer 20", imageAt(map, 205, 3));
        assertEquals("Layer 11", imageAt(map, 205, 5));
        assertEquals("Layer 11", imageAt(map, 205, 7));
        assertNull(imageAt(map, 205, 8));
    }

    /** test_persistent_overlapping: rectangles of nontrivial height that overlap. */
    @Test
    void persistentOverlapping() {
        HistoricLayerCoverage.Builder<String> map = HistoricLayerCoverage.builder();
        // 3 key-disjoint layers with varying LSN ranges
        map.insert(layerKey(1, 2, 100, 200, true), "Layer 1");
        map.insert(layerKey(4, 5, 110, 200, true), "Layer 2");
        map.insert(layerKey(7, 8, 120, 300, true), "Layer 3");
        // wide and short
        map.insert(layerKey(0, 9, 130, 199, true), "Layer 4");
        // wide, taller than some
        map.insert(layerKey(0, 9, 140, 201, true), "Layer 5");
        // wide, taller than all
        map.insert(layerKey(0, 9, 150, 301, true), "Layer 6");

        // after layer 4
        assertEquals("Layer 4", imageAt(map, 135, 0));
        assertEquals("Layer 1", imageAt(map, 135, 1));
        assertEquals("Layer 4", imageAt(map, 135, 2));
        assertEquals("Layer 2", imageAt(map, 135, 4));
        assertEquals("Layer 4", imageAt(map, 135, 5));
        assertEquals("Layer 3", imageAt(map, 135, 7));
        assertEquals("Layer 4", imageAt(map, 135, 8));
        // after layer 5
        assertEquals("Layer 5", imageAt(map, 145, 0));
        assertEquals("Layer 5", imageAt(map, 145, 1));
        assertEquals("Layer 5", imageAt(map, 145, 2));
        assertEquals("Layer 5", imageAt(map, 145, 4));
        assertEquals("Layer 5", imageAt(map, 145, 5));
        assertEquals("Layer 3", imageAt(map, 145, 7));
        assertEquals("Layer 5", imageAt(map, 145, 8));
        // after layer 6
        for (long k : new long[] {0, 1, 2, 4, 5, 7, 8}) {
            assertEquals("Layer 6", imageAt(map, 155, k), "key " + k);
        }
    }

    @Test
    void retroactiveInsertIsRefused() {
        HistoricLayerCoverage.Builder<String> map = HistoricLayerCoverage.builder();
        map.insert(layerKey(0, 5, 100, 101, true), "Layer 1");
        assertThrows(IllegalStateException.class, () -> map.insert(layerKey(0, 5, 99, 100, true), "older"));
    }

    /** test_retroactive_regression_1. */
    @Test
    void retroactiveRegression1() {
        TreeMap<LayerKey, Optional<String>> buffer = new TreeMap<>();
        // key end 21267647932558653966460912964485513215 = 2^124 - 1
        Key end = Key.fromI128(0x0FFF_FFFF_FFFF_FFFFL, -1L);
        buffer.put(new LayerKey(key(0), end, 23761336, 23761457, false), Optional.of("sdfsdfs"));
        BufferedHistoricLayerCoverage<String> map = BufferedHistoricLayerCoverage.<String>empty().rebuild(buffer);

        assertEquals("sdfsdfs", map.get().getVersion(23761457).deltaCoverage().query(key(100)));
    }

    /** test_retroactive_simple. */
    @Test
    void retroactiveSimple() {
        TreeMap<LayerKey, Optional<String>> buffer = new TreeMap<>();
        // images in increasing LSN order
        buffer.put(layerKey(0, 5, 100, 101, true), Optional.of("Image 1"));
        buffer.put(layerKey(3, 9, 110, 111, true), Optional.of("Image 2"));
        buffer.put(layerKey(4, 6, 120, 121, true), Optional.of("Image 3"));
        buffer.put(layerKey(8, 9, 120, 121, true), Optional.of("Image 4"));
        // a delta out of order
        buffer.put(layerKey(2, 5, 105, 106, false), Optional.of("Delta 1"));
        BufferedHistoricLayerCoverage<String> map = BufferedHistoricLayerCoverage.<String>empty().rebuild(buffer);

        HistoricLayerCoverage<String> h = map.get();
        assertNull(h.getVersion(90));
        assertEquals("Image 1", h.getVersion(102).imageCoverage().query(key(4)));
        assertEquals("Image 1", h.getVersion(107).imageCoverage().query(key(4)));
        assertEquals("Delta 1", h.getVersion(107).deltaCoverage().query(key(4)));
        assertEquals("Image 2", h.getVersion(115).imageCoverage().query(key(4)));
        assertEquals("Image 3", h.getVersion(125).imageCoverage().query(key(4)));

        // remove Image 3
        TreeMap<LayerKey, Optional<String>> removal = new TreeMap<>();
        removal.put(layerKey(4, 6, 120, 121, true), Optional.empty());
        BufferedHistoricLayerCoverage<String> after = map.rebuild(removal);

        assertEquals("Image 2", after.get().getVersion(125).imageCoverage().query(key(4)));
        assertEquals("Image 4", after.get().getVersion(125).imageCoverage().query(key(8)));
        assertEquals(4, after.len());
        // the version before the removal still answers as it did
        assertEquals("Image 3", map.get().getVersion(125).imageCoverage().query(key(4)));
    }
}
