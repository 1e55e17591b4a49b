package io.strata.engine.compaction.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.delta.BlobRef;
import io.strata.engine.layer.delta.DeltaEntry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where L0 compaction cuts its L1 layers, from Neon's {@code compact_level0_phase1} loop. */
class Level0SplitPlannerTest {
    private static final Level0SplitPlanner.LsnRange RANGE =
            new Level0SplitPlanner.LsnRange(Lsn.of(0x10), Lsn.of(0x1000));

    private static Key key(int blk) {
        return Key.fromHex(String.format("000000067F000032BE0000400000%08X", blk));
    }

    private static DeltaEntry e(int blk, long lsn, long size) {
        return new DeltaEntry(key(blk), Lsn.of(lsn), new BlobRef(LayerFormat.VALUES_START << 1), size);
    }

    private static Level0SplitPlanner.Plan plan(List<DeltaEntry> entries, List<KeyRange> holes, long target) {
        return Level0SplitPlanner.plan(entries.iterator(), entries.iterator(), holes, RANGE, target,
                ShardIdentity.unsharded());
    }

    /** The layers the plan makes, as [first ordinal, last ordinal] with their LSN ranges. */
    private record Layer(long first, long last, Level0SplitPlanner.LsnRange lsns) {
    }

    private static List<Layer> layers(Level0SplitPlanner.Plan p) {
        List<Layer> out = new ArrayList<>();
        long first = -1;
        Level0SplitPlanner.LsnRange r = null;
        for (Level0SplitPlanner.Step s : p.steps()) {
            if (s.finish()) {
                out.add(new Layer(first, s.ordinal() - 1, r));
            }
            if (s.open() != null) {
                first = s.ordinal();
                r = s.open();
            }
        }
        return out;
    }

    @Test
    void keysStayTogetherAndLayersAreCutAtTheTarget() {
        List<DeltaEntry> in = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            in.add(e(k, 0x20, 1000));
            in.add(e(k, 0x30, 1000));
        }
        // each key is 2000 bytes; the values region starts a page in: 8192 + 2 keys = 12192 > 12000, so 1 key ...
        Level0SplitPlanner.Plan p = plan(in, List.of(), LayerFormat.VALUES_START + 4000);
        List<Layer> ls = layers(p);
        assertEquals(20, p.values());
        assertEquals(p.layers(), ls.size());
        // every layer holds whole keys, within the target
        for (Layer l : ls) {
            assertEquals(0, l.first() % 2, l.toString());
            assertEquals(1, l.last() % 2, l.toString());
            assertEquals(RANGE, l.lsns());
            assertTrue((l.last() - l.first() + 1) * 1000 <= 4000, l.toString());
        }
        assertEquals(0, ls.get(0).first());
        assertEquals(19, ls.get(ls.size() - 1).last());
        assertEquals(5, ls.size(), "two keys (4000 bytes) per layer");
    }

    @Test
    void oneHugeKeyIsSplitByLsn() {
        List<DeltaEntry> in = new ArrayList<>();
        in.add(e(1, 0x20, 100));
        for (int i = 0; i < 10; i++) {
            in.add(e(2, 0x20 + 0x10 * i, 1000));
        }
        in.add(e(3, 0x20, 100));
        Level0SplitPlanner.Plan p = plan(in, List.of(), 3000);
        List<Layer> ls = layers(p);
        // key 1 alone, key 2 in LSN slices, key 3 alone
        assertEquals(new Layer(0, 0, RANGE), ls.get(0));
        Layer last = ls.get(ls.size() - 1);
        assertEquals(11, last.first());
        List<Layer> slices = ls.subList(1, ls.size() - 1);
        assertTrue(slices.size() >= 3, slices.toString());
        Lsn expectStart = Lsn.of(0x20);
        for (Layer s : slices) {
            assertEquals(expectStart, s.lsns().start(), "slices are back to back: " + slices);
            assertTrue(s.lsns().start().isBefore(s.lsns().end()));
            expectStart = s.lsns().end();
        }
        assertEquals(RANGE.end(), slices.get(slices.size() - 1).lsns().end(), "the last slice runs to the end");
        long covered = slices.stream().mapToLong(s -> s.last() - s.first() + 1).sum();
        assertEquals(10, covered);
    }

    @Test
    void noLayerSpansAHole() {
        List<DeltaEntry> in = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            in.add(e(k, 0x20, 10));
        }
        for (int k = 1000; k < 1004; k++) {
            in.add(e(k, 0x20, 10));
        }
        KeyRange hole = new KeyRange(key(4), key(1000));
        Level0SplitPlanner.Plan p = plan(in, List.of(hole), 1 << 20);
        List<Layer> ls = layers(p);
        assertEquals(List.of(new Layer(0, 3, RANGE), new Layer(4, 7, RANGE)), ls);
        assertEquals(List.of(new Layer(0, 7, RANGE)), layers(plan(in, List.of(), 1 << 20)));
    }

    @Test
    void keysOfOtherShardsAreDroppedButStillCount() {
        ShardIdentity shard = ShardIdentity.of(0, 2, 1);
        List<DeltaEntry> in = new ArrayList<>();
        for (int k = 0; k < 64; k++) {
            in.add(e(k, 0x20, 10));
        }
        Level0SplitPlanner.Plan p = Level0SplitPlanner.plan(in.iterator(), in.iterator(), List.of(), RANGE, 1 << 20,
                shard);
        assertEquals(1, p.layers());
        Level0SplitPlanner.Step open = p.steps().get(0);
        assertFalse(shard.isKeyDisposable(in.get((int) open.ordinal()).key()), "the layer opens at a local key");
    }
}
