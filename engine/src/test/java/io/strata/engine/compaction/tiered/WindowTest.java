package io.strata.engine.compaction.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.engine.key.ShardIdentity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two sliding windows of {@code compact_tiered.rs}, traced by hand. */
class WindowTest {
    private static final MockKeys KEYS = MockKeys.INSTANCE;

    private static Range<Long> r(long start, long end) {
        return new Range<>(start, end);
    }

    /** Drives a Window as retileDeltas does: feed each key, take every delta it offers, drain at the end. */
    private static List<Range<Long>> tile(long targetSize, long[] keys, long[] sizes) {
        Window<Long> w = new Window<>(KEYS);
        List<Range<Long>> out = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            w.feed(keys[i], sizes[i]);
            Range<Long> next;
            while ((next = w.chooseNextDelta(targetSize, true)) != null) {
                out.add(next);
            }
        }
        while (!w.isEmpty()) {
            out.add(w.chooseNextDelta(targetSize, false));
        }
        return out;
    }

    @Test
    void deltasAreCutOnceTheyReachTheTargetAndTheWindowCanDecide() {
        long[] keys = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        long[] sizes = {30, 30, 30, 30, 30, 30, 30, 30, 30, 30};
        // 4 keys (120 bytes) reach 100; the cut waits for 125 bytes in the window. The 2-key tail stays small
        // because nothing is left to stretch the previous layer with.
        assertEquals(List.of(r(1, 5), r(5, 9), r(9, 11)), tile(100, keys, sizes));
    }

    @Test
    void theLastLayerStretchesToAvoidATinyTail() {
        assertEquals(List.of(r(1, 5)), tile(100, new long[] {1, 2, 3, 4}, new long[] {30, 30, 30, 30}));
        // 150 bytes: more than 1.25x, so two layers.
        assertEquals(List.of(r(1, 5), r(5, 6)), tile(100, new long[] {1, 2, 3, 4, 5}, new long[] {30, 30, 30, 30, 30}));
    }

    @Test
    void gapsBetweenKeysStayOutOfDeltas() {
        // A delta covers its first to last key, not the unused keys around.
        assertEquals(List.of(r(10, 31), r(40, 61)),
                tile(100, new long[] {10, 30, 40, 60}, new long[] {60, 60, 60, 60}));
    }

    @Test
    void keysMustIncrease() {
        Window<Long> w = new Window<>(KEYS);
        w.feed(5L, 1);
        assertThrows(IllegalStateException.class, () -> w.feed(5L, 1));
        assertNull(new Window<>(KEYS).chooseNextDelta(100, true));
    }

    private static List<Range<Long>> images(List<Range<Long>> keyspace, long targetKeys) {
        KeyspaceWindow<Long> w = new KeyspaceWindow<>(KEYS.fullRange(), keyspace, targetKeys, KEYS,
                ShardIdentity.unsharded());
        List<Range<Long>> out = new ArrayList<>();
        Range<Long> next;
        while ((next = w.chooseNextImage()) != null) {
            out.add(next);
        }
        return out;
    }

    @Test
    void imagesCoverTheKeySpaceInTargetSizedPiecesAndTheLastReachesTheEnd() {
        assertEquals(List.of(r(0, 300), r(300, 600), r(600, 900), r(900, -1L)), images(List.of(r(0, 1000)), 300));
        // Within 1.25x of the target the rest is taken in: 700..1000 is 300 keys, under 437.
        assertEquals(List.of(r(0, 350), r(350, 700), r(700, -1L)), images(List.of(r(0, 1000)), 350));
        // One image for a small key space.
        assertEquals(List.of(r(0, -1L)), images(List.of(r(0, 100)), 128));
        assertEquals(List.of(), images(List.of(), 128));
    }

    @Test
    void imagesSkipUnusedKeysWhenCounting() {
        // 100 keys in the first range, then 50 of the second: the cut lands at 550.
        assertEquals(List.of(r(0, 550), r(550, -1L)), images(List.of(r(0, 100), r(500, 600)), 150));
    }
}
