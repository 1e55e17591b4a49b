package io.strata.engine.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Lsn;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LsnTimeHistoryTest {
    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void answersLikeNeonsLsnForTimestamp() {
        LsnTimeHistory h = new LsnTimeHistory();
        assertEquals(LsnTimeHistory.Answer.Kind.NO_DATA, h.lsnAt(T0).kind());
        h.record(T0.plusSeconds(10), Lsn.of(100));
        h.record(T0.plusSeconds(20), Lsn.of(200));
        h.record(T0.plusSeconds(30), Lsn.of(300));
        assertEquals(new LsnTimeHistory.Answer(LsnTimeHistory.Answer.Kind.PAST, Lsn.of(100)),
                h.lsnAt(T0.plusSeconds(5)));
        assertEquals(new LsnTimeHistory.Answer(LsnTimeHistory.Answer.Kind.PRESENT, Lsn.of(100)),
                h.lsnAt(T0.plusSeconds(10)));
        assertEquals(new LsnTimeHistory.Answer(LsnTimeHistory.Answer.Kind.PRESENT, Lsn.of(200)),
                h.lsnAt(T0.plusSeconds(29)));
        assertEquals(new LsnTimeHistory.Answer(LsnTimeHistory.Answer.Kind.FUTURE, Lsn.of(300)),
                h.lsnAt(T0.plusSeconds(30)));
    }

    /** Whatever the coalescing and thinning, an answer is never above what had arrived by then (GC stays safe). */
    @Test
    void neverAnswersAnLsnThatArrivedLater() {
        Random rnd = new Random(42);
        LsnTimeHistory h = new LsnTimeHistory();
        int n = 3 * LsnTimeHistory.MAX_SAMPLES;
        long[] times = new long[n];
        long[] lsns = new long[n];
        long t = 0;
        long lsn = 0;
        for (int i = 0; i < n; i++) {
            t += rnd.nextInt(1500);
            lsn += 1 + rnd.nextInt(100);
            times[i] = t;
            lsns[i] = lsn;
            h.record(T0.plusMillis(t), Lsn.of(lsn));
        }
        assertTrue(h.size() <= LsnTimeHistory.MAX_SAMPLES, "bounded: " + h.size());
        for (int q = 0; q < 5000; q++) {
            long at = rnd.nextLong(t + 2000);
            long arrived = 0;
            for (int i = 0; i < n && times[i] <= at; i++) {
                arrived = lsns[i];
            }
            LsnTimeHistory.Answer a = h.lsnAt(T0.plusMillis(at));
            if (a.kind() == LsnTimeHistory.Answer.Kind.PRESENT) {
                assertTrue(Long.compareUnsigned(a.lsn().value(), arrived) <= 0,
                        "at " + at + ": answered " + a.lsn() + " but only " + arrived + " had arrived");
            }
            if (a.kind() == LsnTimeHistory.Answer.Kind.FUTURE) {
                assertEquals(lsns[n - 1], a.lsn().value());
            }
        }
    }
}
