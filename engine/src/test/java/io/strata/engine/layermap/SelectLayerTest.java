package io.strata.engine.layermap;

import static io.strata.engine.layermap.TestLayers.lsn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.strata.engine.key.KeyRange;
import io.strata.engine.layer.PersistentLayerDesc;
import org.junit.jupiter.api.Test;

/** Neon's {@code select_layer_tests}, same scenarios and answers. */
class SelectLayerTest {
    private static PersistentLayerDesc persistent(long startLsn, long endLsn, boolean isDelta) {
        return TestLayers.newTest(KeyRange.FULL, startLsn, endLsn, isDelta);
    }

    private static InMemoryLayerDesc inMemory(long startLsn, long endLsn) {
        return new InMemoryLayerDesc(0, lsn(startLsn), lsn(endLsn));
    }

    private static SearchResult select(PersistentLayerDesc delta, PersistentLayerDesc image, InMemoryLayerDesc inMemory,
                                       long endLsn) {
        return LayerMap.selectLayer(delta, image, inMemory, lsn(endLsn));
    }

    private static void assertResult(SearchResult r, long floor, PersistentLayerDesc layer) {
        assertEquals(new SearchResult(new LayerRef.Persistent(layer), lsn(floor)), r);
    }

    private static void assertResult(SearchResult r, long floor, InMemoryLayerDesc layer) {
        assertEquals(new SearchResult(new LayerRef.InMemory(layer), lsn(floor)), r);
    }

    @Test
    void selectLayerEmpty() {
        assertNull(select(null, null, null, 100));
    }

    @Test
    void selectLayerOnlyDelta() {
        PersistentLayerDesc delta = persistent(10, 20, true);
        assertResult(select(delta, null, null, 100), 10, delta);
    }

    @Test
    void selectLayerOnlyImage() {
        PersistentLayerDesc image = persistent(10, 11, false);
        assertResult(select(null, image, null, 100), 10, image);
    }

    @Test
    void selectLayerOnlyInMemory() {
        InMemoryLayerDesc inMemory = inMemory(10, 20);
        assertResult(select(null, null, inMemory, 100), 10, inMemory);
    }

    @Test
    void selectLayerImageInsideDelta() {
        PersistentLayerDesc delta = persistent(10, 20, true);
        PersistentLayerDesc image = persistent(15, 16, false);

        SearchResult r = select(delta, image, null, 100);
        assertResult(r, 16, delta);
        r = select(delta, image, null, r.lsnFloor().value());
        assertResult(r, 15, image);
    }

    @Test
    void selectLayerNewerImage() {
        PersistentLayerDesc delta = persistent(10, 20, true);
        PersistentLayerDesc image = persistent(25, 26, false);

        SearchResult r = select(delta, image, null, 30);
        assertResult(r, 25, image);
        r = select(delta, null, null, r.lsnFloor().value());
        assertResult(r, 10, delta);
    }

    @Test
    void selectLayerDeltaWithOlderImage() {
        PersistentLayerDesc delta = persistent(15, 25, true);
        PersistentLayerDesc image = persistent(10, 11, false);

        SearchResult r = select(delta, image, null, 30);
        assertResult(r, 15, delta);
        r = select(null, image, null, r.lsnFloor().value());
        assertResult(r, 10, image);
    }

    @Test
    void selectLayerImageInsideInMemory() {
        PersistentLayerDesc image = persistent(15, 16, false);
        InMemoryLayerDesc inMemory = inMemory(10, 25);

        SearchResult r = select(null, image, inMemory, 30);
        assertResult(r, 16, inMemory);
        r = select(null, image, inMemory, r.lsnFloor().value());
        assertResult(r, 15, image);
        r = select(null, null, inMemory, r.lsnFloor().value());
        assertResult(r, 10, inMemory);
    }

    @Test
    void selectLayerDeltaInsideInMemory() {
        PersistentLayerDesc deltaTop = persistent(15, 20, true);
        PersistentLayerDesc deltaBottom = persistent(10, 15, true);
        InMemoryLayerDesc inMemory = inMemory(15, 25);

        SearchResult r = select(deltaTop, null, inMemory, 30);
        assertResult(r, 20, inMemory);
        r = select(deltaTop, null, inMemory, r.lsnFloor().value());
        assertResult(r, 15, deltaTop);
        r = select(deltaBottom, null, inMemory, r.lsnFloor().value());
        assertResult(r, 10, deltaBottom);
    }

    @Test
    void selectLayerAllOverlap1() {
        InMemoryLayerDesc inMemory = inMemory(10, 30);
        PersistentLayerDesc delta = persistent(15, 25, true);
        PersistentLayerDesc image = persistent(20, 21, false);

        SearchResult r = select(delta, image, inMemory, 50);
        assertResult(r, 25, inMemory);
        r = select(delta, image, inMemory, r.lsnFloor().value());
        assertResult(r, 21, delta);
        r = select(delta, image, inMemory, r.lsnFloor().value());
        assertResult(r, 20, image);
    }

    @Test
    void selectLayerAllOverlap2() {
        InMemoryLayerDesc inMemory = inMemory(20, 30);
        PersistentLayerDesc delta = persistent(10, 40, true);
        PersistentLayerDesc image = persistent(25, 26, false);

        SearchResult r = select(delta, image, inMemory, 50);
        assertResult(r, 26, delta);
        r = select(delta, image, inMemory, r.lsnFloor().value());
        assertResult(r, 25, image);
    }

    @Test
    void selectLayerAllOverlap3() {
        InMemoryLayerDesc inMemory = inMemory(30, 40);
        PersistentLayerDesc delta = persistent(10, 30, true);
        PersistentLayerDesc image = persistent(20, 21, false);

        SearchResult r = select(delta, image, inMemory, 50);
        assertResult(r, 30, inMemory);
        r = select(delta, image, null, r.lsnFloor().value());
        assertResult(r, 21, delta);
        r = select(delta, image, null, r.lsnFloor().value());
        assertResult(r, 20, image);
    }
}
