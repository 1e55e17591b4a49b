package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * When LSNs were ingested: the time-to-LSN map behind the PITR (time) GC cutoff. Neon finds the LSN for a timestamp
 * in Postgres' commit log; Strata's values are opaque, so it remembers instead when each LSN arrived: at most one
 * sample per {@link #RESOLUTION_MILLIS} (the highest LSN ingested in that interval), at most {@link #MAX_SAMPLES},
 * thinned by dropping every other old sample when full (coarser, never wrong in the unsafe direction: a lookup may
 * return an older LSN than the exact one, which keeps more history). In memory only: after a restart times before
 * it are unknown, and lookups for them answer {@link Answer.Kind#PAST} (keep everything), as Neon's do when the commit
 * log has no answer.
 */
public final class LsnTimeHistory {
    static final long RESOLUTION_MILLIS = 1000;
    static final int MAX_SAMPLES = 4096;

    /** Neon's {@code LsnForTimestamp}. */
    public record Answer(Kind kind, Lsn lsn) {
        public enum Kind {
            /** {@code lsn} is the last LSN ingested at or before the time. */
            PRESENT,
            /** Nothing was ingested after the time: {@code lsn} is the last LSN ingested. */
            FUTURE,
            /** Everything known was ingested after the time. */
            PAST,
            /** Nothing ingested since the start (or restart). */
            NO_DATA
        }

        public Answer {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(lsn, "lsn");
        }
    }

    private long[] times = new long[64];
    private long[] lsns = new long[64];
    private int size;
    /** When the last sample's interval began. */
    private long lastSampleStarted;

    /** Records that {@code lsn} was the highest LSN ingested at {@code now}. */
    public synchronized void record(Instant now, Lsn lsn) {
        long t = now.toEpochMilli();
        if (size > 0 && Long.compareUnsigned(lsn.value(), lsns[size - 1]) <= 0) {
            return;
        }
        if (size > 0 && t - lastSampleStarted < RESOLUTION_MILLIS) {
            // same interval as the last sample: it now stands for the higher LSN at the later time (a lookup at a
            // time in between answers the sample before, an older LSN: safe)
            times[size - 1] = Math.max(t, times[size - 1]);
            lsns[size - 1] = lsn.value();
            return;
        }
        lastSampleStarted = t;
        if (size == MAX_SAMPLES) {
            thin();
        }
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            lsns = Arrays.copyOf(lsns, size * 2);
        }
        times[size] = t;
        lsns[size] = lsn.value();
        size++;
    }

    /** Neon's {@code find_lsn_for_timestamp}: the LSN history reached at {@code time}. */
    public synchronized Answer lsnAt(Instant time) {
        if (size == 0) {
            return new Answer(Answer.Kind.NO_DATA, Lsn.INVALID);
        }
        long t = time.toEpochMilli();
        if (times[0] > t) {
            return new Answer(Answer.Kind.PAST, new Lsn(lsns[0]));
        }
        if (times[size - 1] <= t) {
            return new Answer(Answer.Kind.FUTURE, new Lsn(lsns[size - 1]));
        }
        int lo = 0;
        int hi = size - 1; // times[lo] <= t < times[hi]
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= t) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return new Answer(Answer.Kind.PRESENT, new Lsn(lsns[lo]));
    }

    /** Samples kept now. */
    public synchronized int size() {
        return size;
    }

    /** The oldest half loses every other sample; the newest half keeps its resolution. */
    private void thin() {
        int half = size / 2;
        int w = 0;
        for (int r = 0; r < size; r++) {
            if (r >= half || r % 2 == 1) {
                times[w] = times[r];
                lsns[w] = lsns[r];
                w++;
            }
        }
        size = w;
    }

    /** For the time cutoff: empty when the history cannot say (Neon's {@code Past} and {@code NoData}). */
    Optional<Lsn> timeCutoff(Instant time, Lsn lastRecordLsn) {
        Answer a = lsnAt(time);
        return switch (a.kind()) {
            case PRESENT -> Optional.of(a.lsn());
            case FUTURE -> Optional.of(lastRecordLsn);
            case PAST, NO_DATA -> Optional.empty();
        };
    }
}
