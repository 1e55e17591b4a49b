package io.strata.engine.vectored;

import static io.strata.engine.vectored.Plans.longs;
import static io.strata.engine.vectored.Plans.offsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FORMAT 13.2: Neon's vectored_blob_io planner tests, plus the per-key rules of 11.2. */
class VectoredReadPlannerTest {
    static final long K = 1024;
    static final Lsn LSN = Lsn.of(0);

    @Test
    void maxReadSizeSplitsIntoSixReadsIncludingAnEmptyLastOne() {
        VectoredReadPlanner planner = new VectoredReadPlanner(128 * K);
        for (long o : new long[] {0, 32 * K, 96 * K, 128 * K, 198 * K, 268 * K, 396 * K, 652 * K}) {
            planner.handle(Key.MIN, LSN, o, BlobFlag.NONE);
        }
        planner.handleRangeEnd(652 * K);
        List<VectoredRead> reads = planner.finish();
        assertEquals(List.of(longs(0, 32 * K, 96 * K), longs(128 * K), longs(198 * K), longs(268 * K),
                longs(396 * K), longs(652 * K)), offsets(reads));
        long[][] ranges = {{0, 131072}, {131072, 202752}, {202752, 274432}, {274432, 405504},
                {405504, 667648}, {667648, 667648}};
        for (int i = 0; i < ranges.length; i++) {
            assertEquals(ranges[i][0], reads.get(i).start(), "start of read " + i);
            assertEquals(ranges[i][1], reads.get(i).end(), "end of read " + i);
        }
        assertEquals(0, reads.get(5).size(), "zero-length last read");
        assertEquals(262144, reads.get(4).size(), "an oversized first blob still forms one read");
    }

    @Test
    void chunkCoalescingWithIgnoredGaps() {
        VectoredReadPlanner planner = new VectoredReadPlanner(4096, 512);
        Object[][] entries = {{64L, BlobFlag.NONE}, {128L, BlobFlag.IGNORE}, {256L, BlobFlag.NONE},
                {510L, BlobFlag.IGNORE}, {512L, BlobFlag.NONE}, {1023L, BlobFlag.NONE}, {1025L, BlobFlag.IGNORE},
                {1537L, BlobFlag.NONE}, {2561L, BlobFlag.NONE}, {3073L, BlobFlag.IGNORE}, {3585L, BlobFlag.NONE},
                {4096L, BlobFlag.NONE}, {4608L, BlobFlag.IGNORE}, {5120L, BlobFlag.NONE}};
        for (Object[] e : entries) {
            planner.handle(Key.MIN, LSN, (Long) e[0], (BlobFlag) e[1]);
        }
        planner.handleRangeEnd(652 * K);
        List<VectoredRead> reads = planner.finish();
        assertEquals(List.of(longs(64, 256, 512, 1023, 1537, 2561, 3585), longs(4096), longs(5120)),
                offsets(reads));
        assertEquals(0, reads.get(0).start());
        assertEquals(4096, reads.get(0).end());
        assertEquals(4096, reads.get(1).start());
        assertEquals(4608, reads.get(1).end());
        assertEquals(5120, reads.get(2).start());
        assertEquals(667648, reads.get(2).end());
    }

    @Test
    void replaceAllDropsTheKeysEarlierBlobs() {
        Key a = Key.MIN;
        Key b = a.next();
        VectoredReadPlanner planner = new VectoredReadPlanner(128 * K);
        planner.handle(a, LSN, 0, BlobFlag.NONE);
        planner.handle(a, LSN, 512, BlobFlag.NONE);
        planner.handle(b, LSN, 1024, BlobFlag.REPLACE_ALL);
        planner.handle(b, LSN, 1536, BlobFlag.NONE);
        planner.handle(b, LSN, 2048, BlobFlag.REPLACE_ALL);
        planner.handle(b, LSN, 2560, BlobFlag.NONE);
        planner.handleRangeEnd(3072);
        List<VectoredRead> reads = planner.finish();
        assertEquals(List.of(longs(0, 512), longs(2048, 2560)), offsets(reads));
        assertEquals(2048, reads.get(1).start());
        assertEquals(3072, reads.get(1).end());
        assertTrue(reads.get(1).blob(0).willInit());
        assertFalse(reads.get(1).blob(1).willInit());
        assertEquals(b, reads.get(1).blob(0).key());
    }

    @Test
    void readsComeInKeyOrderNotCallOrder() {
        Key a = new Key(0, 0, 0, 0, 0, 1);
        Key b = new Key(0, 0, 0, 0, 0, 2);
        VectoredReadPlanner planner = new VectoredReadPlanner(128 * K);
        planner.handle(b, Lsn.of(7), 10_000, BlobFlag.NONE);
        planner.handleRangeEnd(10_100);
        planner.handle(a, Lsn.of(5), 20_000, BlobFlag.NONE);
        planner.handleRangeEnd(20_100);
        List<VectoredRead> reads = planner.finish();
        assertEquals(List.of(longs(20_000), longs(10_000)), offsets(reads));
        assertEquals(Lsn.of(5), reads.get(0).blob(0).lsn());
    }

    @Test
    void ignoredAndPendingEntriesPlanNothing() {
        VectoredReadPlanner planner = new VectoredReadPlanner(128 * K);
        planner.handle(Key.MIN, LSN, 0, BlobFlag.IGNORE);
        planner.handleRangeEnd(100);
        planner.handle(Key.MIN, LSN, 200, BlobFlag.NONE); // never ended: dropped, as in Neon
        assertEquals(List.of(), planner.finish());
        assertThrows(IllegalStateException.class, planner::finish);
    }

    @Test
    void chunkSizeIsConfigurable() {
        VectoredReadPlanner planner = new VectoredReadPlanner(8192, 4096);
        for (long o : new long[] {100, 1000, 5000, 9000}) {
            planner.handle(Key.MIN, LSN, o, BlobFlag.NONE);
        }
        planner.handleRangeEnd(9500);
        List<VectoredRead> reads = planner.finish();
        // [5000, 9000) would grow the first read to 12288 > 8192 bytes; it starts a read at chunk 1
        assertEquals(List.of(longs(100, 1000), longs(5000, 9000)), offsets(reads));
        assertEquals(0, reads.get(0).start());
        assertEquals(8192, reads.get(0).end());
        assertEquals(4096, reads.get(1).start());
        assertEquals(12288, reads.get(1).end());
    }

    @Test
    void offsetsGoingBackwardsAreRejected() {
        VectoredReadPlanner planner = new VectoredReadPlanner(128 * K);
        planner.handle(Key.MIN, LSN, 1000, BlobFlag.NONE);
        assertThrows(IllegalArgumentException.class, () -> planner.handle(Key.MIN, LSN, 900, BlobFlag.NONE));
    }
}
