package io.strata.engine.vectored;

import static io.strata.engine.vectored.Plans.longs;
import static io.strata.engine.vectored.Plans.offsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** FORMAT 13.2: Neon's streaming planner tests, and reads being emitted as planning goes. */
class StreamingVectoredReadPlannerTest {
    static final long K = 1024;
    static final long[] OFFSETS = {0, 32 * K, 96 * K, 128 * K, 198 * K, 268 * K, 396 * K, 652 * K};

    static List<VectoredRead> run(StreamingVectoredReadPlanner planner, List<Integer> emittedAfter) {
        List<VectoredRead> reads = new ArrayList<>();
        for (int i = 0; i < OFFSETS.length; i++) {
            Optional<VectoredRead> r = planner.handle(Key.MIN, Lsn.of(0), OFFSETS[i], i % 2 == 0);
            r.ifPresent(reads::add);
            if (r.isPresent()) {
                emittedAfter.add(i);
            }
        }
        planner.handleRangeEnd(652 * K).ifPresent(reads::add);
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
        assertEquals(Optional.empty(), new StreamingVectoredReadPlanner(K, 1).handleRangeEnd(0));
    }

    @Test
    void offsetsGoingBackwardsAreAnError() {
        StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(1024 * K, 10);
        planner.handle(Key.MIN, Lsn.of(0), 0, false);
        planner.handle(Key.MIN, Lsn.of(0), 5000, false);
        assertThrows(IllegalArgumentException.class, () -> planner.handle(Key.MIN, Lsn.of(0), 100, false));
    }
}
