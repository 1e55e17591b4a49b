package io.strata.engine.compaction.gc;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import java.util.Objects;

/** Neon's {@code CompactKeyRange}: the keys {@code [start, end)} a job compacts. */
public record CompactKeyRange(Key start, Key end) {
    public CompactKeyRange {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
    }

    public static CompactKeyRange of(KeyRange r) {
        return new CompactKeyRange(r.start(), r.end());
    }

    public KeyRange toKeyRange() {
        return new KeyRange(start, end);
    }
}
