package io.strata.engine.inmemory;

import java.util.Arrays;

/**
 * The versions of one key in an in-memory layer, in increasing LSN order (Neon's {@code VecMap<Lsn, IndexEntry>}):
 * pairs of (LSN, packed {@link IndexEntry}) in one growing array. One writer appends; readers read concurrently
 * without locks: the writer stores a pair, then publishes the new size (volatile); a reader reads the size, then the
 * array, and looks only below that size. A grown array is published before the size that needs it, and holds
 * copies of every pair below it, so whichever array a reader finds has the pairs it may look at.
 */
final class KeyVersions {
    private volatile long[] slots = new long[4];
    private volatile int size;

    /** Writer only: appends a version above every other (the caller checked the order). */
    void append(long lsn, long entry) {
        int n = size;
        long[] s = slots;
        if (2 * n + 2 > s.length) {
            s = Arrays.copyOf(s, s.length * 2);
            slots = s;
        }
        s[2 * n] = lsn;
        s[2 * n + 1] = entry;
        size = n + 1;
    }

    /** Writer only (or frozen): the largest LSN, as its u64 bits. */
    long lastLsn() {
        int n = size;
        return slots[2 * (n - 1)];
    }

    /** A consistent view for a reader: the first {@link View#size()} pairs of {@link View#slots()}. */
    View view() {
        int n = size; // first: the array read next holds at least this many pairs
        return new View(slots, n);
    }

    /** Versions of one key as one reader sees them. */
    record View(long[] slots, int size) {
        long lsn(int i) {
            return slots[2 * i];
        }

        long entry(int i) {
            return slots[2 * i + 1];
        }

        /** The number of versions with an LSN below {@code lsn} (unsigned): where a range ending at it ends. */
        int countBelow(long lsn) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(lsn(mid), lsn) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }
}
