package io.strata.engine.compaction.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Lsn;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Neon's tests in {@code identify_levels.rs}, plus the LSN ranges the levels come out with. */
class IdentifyLevelsTest {
    private static final MockKeys KEYS = MockKeys.INSTANCE;
    private static final long MIN = 0;
    private static final long MAX = -1L;

    /** identifyLevel looks only at the ranges, so sizes and records stay empty. */
    static MockLayer delta(long keyStart, long keyEnd, long lsnStart, long lsnEnd) {
        return new MockLayer.Delta(new Range<>(keyStart, keyEnd), new Range<>(Lsn.of(lsnStart), Lsn.of(lsnEnd)), 0,
                List.of());
    }

    static MockLayer image(long keyStart, long keyEnd, long lsn) {
        return new MockLayer.Image(new Range<>(keyStart, keyEnd), new Range<>(Lsn.of(lsn), Lsn.of(lsn + 1)), 0);
    }

    private static Level<Long, MockLayer> level(List<MockLayer> layers, long endLsn, long lsnMaxSize) {
        return IdentifyLevels.identifyLevel(layers, Lsn.of(endLsn), lsnMaxSize).orElseThrow();
    }

    private static Range<Lsn> lsns(long start, long end) {
        return new Range<>(Lsn.of(start), Lsn.of(end));
    }

    @Test
    void testIdentifyLevel() {
        List<MockLayer> layers = List.of(
                delta(MIN, MAX, 0x8000, 0x9000),
                delta(MIN, MAX, 0x5000, 0x7000),
                delta(MIN, MAX, 0x4000, 0x5000),
                delta(MIN, MAX, 0x3000, 0x4000),
                delta(MIN, MAX, 0x2000, 0x3000),
                delta(MIN, MAX, 0x1000, 0x2000));

        // All layers fit in the max file size.
        Level<Long, MockLayer> all = level(layers, 0x10000, 0x2000);
        assertEquals(6, all.depth(KEYS));
        assertEquals(lsns(0x1000, 0x10000), all.lsnRange());

        // Smaller max size: the second layer from the top is larger and belongs to the next level. The level
        // still reaches down to that layer's end.
        Level<Long, MockLayer> top = level(layers, 0x10000, 0x1000);
        assertEquals(1, top.depth(KEYS));
        assertEquals(lsns(0x7000, 0x10000), top.lsnRange());
        assertEquals(List.of(layers.get(0)), top.layers());

        // A smaller end LSN.
        Level<Long, MockLayer> low = level(layers, 0x3000, 0x1000);
        assertEquals(2, low.depth(KEYS));
        assertEquals(lsns(0x1000, 0x3000), low.lsnRange());

        // An end LSN that does not partition the space.
        assertThrows(IllegalArgumentException.class, () -> IdentifyLevels.identifyLevel(layers, Lsn.of(0x6000), 0x1000));
    }

    @Test
    void testOverlappingLsnRanges() {
        // The LSN ranges overlap, so although more files fit the size they cannot join the level: that would
        // need the oldest, larger file too.
        List<MockLayer> layers = List.of(
                delta(MIN, MAX, 0x4000, 0x5000),
                delta(MIN, MAX, 0x3000, 0x4000), // overlap
                delta(MIN, MAX, 0x2500, 0x3500), // overlap
                delta(MIN, MAX, 0x2000, 0x3000), // overlap
                delta(MIN, MAX, 0x1000, 0x2500)); // larger

        Level<Long, MockLayer> level = level(layers, 0x10000, 0x1000);
        assertEquals(1, level.depth(KEYS));
        assertEquals(List.of(layers.get(0)), level.layers());
        assertEquals(lsns(0x4000, 0x10000), level.lsnRange());
    }

    @Test
    void testDepthNonoverlapping() {
        // The key ranges don't overlap, so the depth is only 1.
        List<MockLayer> layers = List.of(
                delta(4000, 5000, 0x6000, 0x7000),
                delta(3000, 4000, 0x7000, 0x8000),
                delta(1000, 2000, 0x8000, 0x9000));
        Level<Long, MockLayer> level = level(layers, 0x10000, 0x2000);
        assertEquals(3, level.layers().size());
        assertEquals(1, level.depth(KEYS));

        // Staggered: the 1st and 3rd layer don't overlap each other.
        layers = List.of(
                delta(1000, 2000, 0x8000, 0x9000),
                delta(1500, 2500, 0x7000, 0x8000),
                delta(2000, 3000, 0x6000, 0x7000));
        level = level(layers, 0x10000, 0x2000);
        assertEquals(3, level.layers().size());
        assertEquals(2, level.depth(KEYS));
    }

    @Test
    void testDepthImages() {
        List<MockLayer> layers = List.of(
                delta(1000, 2000, 0x8000, 0x9000),
                delta(1500, 2500, 0x7000, 0x8000),
                delta(2000, 3000, 0x6000, 0x7000),
                // Covers the key range of the 2nd delta, so the depth there is 0.
                image(1500, 2500, 0x9000));
        Level<Long, MockLayer> level = level(layers, 0x10000, 0x2000);
        assertEquals(4, level.layers().size());
        assertEquals(1, level.depth(KEYS));
    }

    @Test
    void layersAboveTheEndLsnAreIgnoredButAnImageAtItCounts() {
        List<MockLayer> layers = List.of(
                delta(MIN, MAX, 0x3000, 0x4000), // above
                image(MIN, MAX, 0x3000), // exactly at the end: included, and hides the deltas below
                delta(MIN, MAX, 0x2000, 0x3000),
                delta(MIN, MAX, 0x1000, 0x2000));
        Level<Long, MockLayer> level = level(layers, 0x3000, 0x1000);
        assertEquals(3, level.layers().size());
        assertTrue(level.layers().stream().allMatch(l -> l.lsnRange().start().value() < 0x3000 || !l.isDelta()));
        assertEquals(0, level.depth(KEYS));

        assertTrue(IdentifyLevels.identifyLevel(layers, Lsn.of(0x1000), 0x1000).isEmpty(), "nothing below");
        assertTrue(IdentifyLevels.identifyLevel(layers, Lsn.of(0x3000), 0x800).isEmpty(), "all too tall");
    }

    @Test
    void singleKeyDeltasStackWithoutAddingDepth() {
        List<MockLayer> layers = List.of(
                delta(7, 8, 0x3000, 0x4000),
                delta(7, 8, 0x2000, 0x3000),
                delta(7, 8, 0x1000, 0x2000),
                delta(0, 100, 0x1000, 0x4000));
        Level<Long, MockLayer> level = level(layers, 0x4000, 0x4000);
        assertEquals(4, level.layers().size());
        assertEquals(1, level.depth(KEYS));
    }
}
