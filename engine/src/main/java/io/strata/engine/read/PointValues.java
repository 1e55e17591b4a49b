package io.strata.engine.read;

import io.strata.engine.key.Lsn;
import reactor.core.publisher.Mono;

/**
 * What one layer holds of one key over an LSN range, planned synchronously for a point get ({@link PointGet}):
 * the values newest first, down to and including the first image or will_init one, and how to read them.
 */
public interface PointValues {
    /** A layer with no value of the key in the range. */
    PointValues NONE = new PointValues() {
        @Override
        public int size() {
            return 0;
        }

        @Override
        public Lsn lsn(int i) {
            throw new IndexOutOfBoundsException(i);
        }

        @Override
        public boolean completes() {
            return false;
        }

        @Override
        public Mono<Void> read(OnDiskValue[] into, int offset) {
            return Mono.empty();
        }
    };

    /** Number of values, newest first. */
    int size();

    /** The LSN of value {@code i} (0 is the newest). */
    Lsn lsn(int i);

    /** Whether the oldest value is an image or a will_init record: the key's search ends in this layer. */
    boolean completes();

    /**
     * Reads the values into {@code into[offset + i]}, {@code i} newest first, and completes when every one is
     * there; fails with the read's error, or if a value is missing or cannot be decoded. Cancelling stops the read.
     */
    Mono<Void> read(OnDiskValue[] into, int offset);
}
