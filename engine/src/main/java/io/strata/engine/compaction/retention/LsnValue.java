package io.strata.engine.compaction.retention;

import io.strata.engine.key.Lsn;
import io.strata.engine.value.Value;
import java.util.Objects;

/** One version of a key in a retention: Neon's {@code (Lsn, Value)}. */
public record LsnValue(Lsn lsn, Value value) {
    public LsnValue {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(value, "value");
    }
}
