package io.strata.engine.vectored;

import static io.strata.engine.vectored.Plans.flat;
import static io.strata.engine.vectored.Plans.longs;
import static io.strata.engine.vectored.Plans.offsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FORMAT 13.2: Neon's streaming planner tests, and reads being emitted as planning goes. */
class StreamingVectoredReadPlannerTest {
    static final long K = 1024;
    static final long[] OFFSETS = {0, 32 * K, 96 * K, 128 * K, 198 * K, 268 * K, 396 * K, 652 * K};

    static List<VectoredRead> run(StreamingVectoredReadPlanner planner, List<Integer> emittedAfter) {
        List<VectoredRead> reads = new ArrayList<>();
        for (int i = 0; i < OFFSETS.length; i++) {
            int before = reads.size();
            planner.handle(Key.MIN, Lsn.of(0), OFFSETS[i], i % 2 == 0, reads::add);
            if (reads.size() > before) {
                emittedAfter.add(i);
            }
        }
        planner.handleRangeEnd(652 * K, reads::add);
        return reads;
    }

    @Test
    void sizeLimitGivesFiveReads() {
        List<Integer> emittedAfter = new ArrayList<>();
        List<VectoredRead> reads = run(new StreamingVectoredReadPlanner(128 * K, 1000), emittedAfter);
        assertEquals(List.of(longs(0, 32 * K, 96 * K), longs(128 * K, 198 * K), longs(268 * K), longs(396 * K),
                longs(652 * K)), offsets(reads));
        assertEquals(List.of(3, 5, 6, 7), emittedAfter, "reads are emitted as soon as they fill up");
        assertEquals(0, reads.get(4).size());
        assertTrue(reads.get(0).blob(0).willInit());
    }

    @Test
    void countLimitGivesFourReads() {
        List<VectoredRead> reads = run(new StreamingVectoredReadPlanner(1024 * K, 2), new ArrayList<>());
        assertEquals(List.of(longs(0, 32 * K), longs(96 * K, 128 * K), longs(198 * K, 268 * K),
                longs(396 * K, 652 * K)), offsets(reads));
        assertEquals(96 * K, reads.get(1).start());
        assertEquals(198 * K, reads.get(1).end());
    }

    @Test
    void rangeEndWithoutPendingEmitsNothing() {
        List<VectoredRead> reads = new ArrayList<>();
        new StreamingVectoredReadPlanner(K, 1).handleRangeEnd(0, reads::add);
        assertEquals(List.of(), reads);
    }

    @Test
    void offsetsGoingBackwardsAreAnError() {
        StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(1024 * K, 10);
        planner.handle(Key.MIN, Lsn.of(0), 0, false, r -> { });
        planner.handle(Key.MIN, Lsn.of(0), 5000, false, r -> { });
        assertThrows(IllegalArgumentException.class, () -> planner.handle(Key.MIN, Lsn.of(0), 100, false, r -> { }));
    }

    /** The extent of a read widened to {@code alignment}, as VectoredBlobReader reads it. */
    static long span(VectoredRead r, int alignment) {
        long a = alignment;
        return ((r.end() + a - 1) & -a) - (r.start() & -a);
    }

    static List<VectoredRead> plan(long[] offsets, long end, StreamingVectoredReadPlanner planner) {
        List<VectoredRead> reads = new ArrayList<>();
        for (long o : offsets) {
            planner.handle(Key.MIN, Lsn.of(0), o, true, reads::add);
        }
        planner.handleRangeEnd(end, reads::add);
        return reads;
    }

    @Test
    void spanLimitEndsAReadBeforeTheBlobThatWouldSplitIt() {
        // 8 KiB pages with a 4-byte header, as an image layer stores them: Neon's rule makes reads of 64 KiB plus
        // part of a page, 72 KiB once aligned to 4 KiB; a 64 KiB span limit keeps every read within 64 KiB
        long[] offsets = new long[64];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = i * 8196L;
        }
        long end = offsets.length * 8196L;
        List<VectoredRead> neon = plan(offsets, end, new StreamingVectoredReadPlanner(64 * K, 1024));
        assertTrue(neon.stream().anyMatch(r -> span(r, 4096) > 64 * K), "without the limit reads pass 64 KiB");
        List<VectoredRead> capped = plan(offsets, end, new StreamingVectoredReadPlanner(64 * K, 1024,
                ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE, 64 * K, 4096));
        for (VectoredRead r : capped) {
            assertTrue(span(r, 4096) <= 64 * K, r + " spans " + span(r, 4096));
        }
        for (VectoredRead r : capped.subList(0, capped.size() - 1)) {
            assertTrue(r.blobs().size() >= 6, r + " holds too few blobs: the limit should cut only at its edge");
        }
        assertEquals(flat(neon), flat(capped), "the same blobs, in the same order, each once");
    }

    @Test
    void aBlobLargerThanTheSpanIsReadAloneAndOneCallMayEndTwoReads() {
        // blobs [0, 4K), [4K, 8K), [8K, 200K), [200K, 204K): the big one ends the small read before it and, being
        // past maxReadSize by itself, its own read too, in the same call
        StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(100 * K, 1024,
                ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE, 64 * K, 4096);
        List<VectoredRead> reads = new ArrayList<>();
        planner.handle(Key.MIN, Lsn.of(0), 0, true, reads::add);
        planner.handle(Key.MIN, Lsn.of(0), 4 * K, true, reads::add);
        planner.handle(Key.MIN, Lsn.of(0), 8 * K, true, reads::add);
        assertEquals(0, reads.size());
        planner.handle(Key.MIN, Lsn.of(0), 200 * K, true, reads::add);
        assertEquals(List.of(longs(0, 4 * K), longs(8 * K)), offsets(reads));
        planner.handleRangeEnd(204 * K, reads::add);
        assertEquals(List.of(longs(0, 4 * K), longs(8 * K), longs(200 * K)), offsets(reads));
        assertEquals(200 * K, reads.get(1).end());
    }

    @Test
    void randomBlobsStayWithinTheSpanAndCoverTheFileOnce() {
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 300; round++) {
            int n = 1 + random.nextInt(400);
            long[] offsets = new long[n];
            long at = random.nextInt(3) * 512L;
            for (int i = 0; i < n; i++) {
                offsets[i] = at;
                at += random.nextInt(5) == 0 ? 1 + random.nextInt(40_000) : 1 + random.nextInt(9000);
            }
            int alignment = 512 << random.nextInt(4);
            long maxRead = 1 + random.nextInt(128 * 1024);
            long maxSpan = alignment * (1L + random.nextInt(64));
            int maxCnt = 1 + random.nextInt(200);
            List<VectoredRead> plain = plan(offsets, at, new StreamingVectoredReadPlanner(maxRead, maxCnt));
            List<VectoredRead> capped = plan(offsets, at, new StreamingVectoredReadPlanner(maxRead, maxCnt,
                    ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE, maxSpan, alignment));
            assertEquals(flat(plain), flat(capped), "round " + round);
            assertTrue(capped.size() >= plain.size(), "round " + round);
            for (VectoredRead r : capped) {
                assertTrue(r.blobs().size() == 1 || span(r, alignment) <= maxSpan, "round " + round + ": " + r);
                assertTrue(r.blobs().size() <= maxCnt, "round " + round + ": " + r);
            }
            List<VectoredRead> huge = plan(offsets, at, new StreamingVectoredReadPlanner(maxRead, maxCnt,
                    ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE, 1L << 40, alignment));
            assertEquals(offsets(plain), offsets(huge), "a span limit nothing reaches changes nothing");
        }
    }
}
