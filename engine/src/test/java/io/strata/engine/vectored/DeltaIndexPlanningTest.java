package io.strata.engine.vectored;

import static io.strata.engine.vectored.Plans.flat;
import static io.strata.engine.vectored.Plans.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** FORMAT 13.3 (Neon's test_delta_layer_index_traversal) and the will_init rule of 11.2. */
class DeltaIndexPlanningTest {
    static final Key BASE = new Key(0, 1663, 12972, 16396, 0, 246080);
    static final long INDEX_START_BLK = 3;

    /** The test's entries: BlobRef positions 0..16 in (key, lsn) order; {@code willInit} marks positions. */
    static DiskBtreeReader index(Set<Long> willInit) {
        Object[][] keys = {{0, new long[] {1, 5, 25, 26, 28}}, {1, new long[] {2, 5, 10, 50}},
                {2, new long[] {2, 5, 10, 50}}, {5, new long[] {10, 15, 16, 20}}};
        TestIndex index = new TestIndex(26);
        long pos = 0;
        for (Object[] k : keys) {
            Key key = BASE.add((Integer) k[0]);
            for (long lsn : (long[]) k[1]) {
                index.add(TestIndex.deltaKey(key, lsn), (pos << 1) | (willInit.contains(pos) ? 1 : 0));
                pos++;
            }
        }
        assertEquals(17, pos);
        return index.finish(INDEX_START_BLK);
    }

    static List<VectoredRead> plan(DiskBtreeReader index) {
        KeySpace ks = KeySpace.of(KeyRange.of(BASE, BASE.add(3)), KeyRange.of(BASE.add(3), BASE.add(100)));
        return DeltaIndexPlanning.plan(index, INDEX_START_BLK, ks, Lsn.of(2), Lsn.of(40), 100)
                .block(Duration.ofSeconds(10));
    }

    @Test
    void neonIndexTraversal() {
        List<VectoredRead> reads = plan(index(Set.of()));
        assertEquals(longs(1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 15, 16), flat(reads));
        VectoredRead last = reads.get(reads.size() - 1);
        assertEquals(INDEX_START_BLK * 8192, last.end(), "the last range ends where the index starts");
        for (VectoredRead r : reads) {
            for (BlobMeta b : r.blobs()) {
                assertFalse(b.willInit());
            }
        }
        assertEquals(BASE.add(5), last.blob(0).key());
        assertEquals(Lsn.of(20), last.blob(0).lsn());
    }

    @Test
    void willInitReplacesOlderValuesOfItsKey() {
        // position 6 is base+1 @ 5, position 15 is base+5 @ 16
        List<VectoredRead> reads = plan(index(Set.of(6L, 15L)));
        assertEquals(longs(1, 2, 3, 4, 6, 7, 9, 10, 11, 15, 16), flat(reads));
        for (VectoredRead r : reads) {
            for (BlobMeta b : r.blobs()) {
                assertEquals(b.offset() == 6 || b.offset() == 15, b.willInit(), "will_init of " + b);
            }
        }
    }

    @Test
    void willInitOutsideTheLsnRangeIsIgnored() {
        // position 8 is base+1 @ 50 (>= 40): ignored, so it replaces nothing
        assertEquals(longs(1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 15, 16), flat(plan(index(Set.of(8L)))));
    }

    @Test
    void eachSubscriptionPlansAnew() {
        DiskBtreeReader index = index(Set.of());
        var plan = DeltaIndexPlanning.plan(index, INDEX_START_BLK, KeySpace.single(KeyRange.of(BASE, BASE.add(1))),
                Lsn.of(0), Lsn.of(100), 1 << 20);
        List<VectoredRead> a = plan.block(Duration.ofSeconds(10));
        List<VectoredRead> b = plan.block(Duration.ofSeconds(10));
        assertEquals(a, b);
        assertEquals(longs(0, 1, 2, 3, 4), flat(a));
        assertEquals(1, a.size(), "with a large max read the blobs coalesce");
        assertTrue(a.get(0).end() >= 5);
    }
}
