package io.strata.engine.walredo;

import io.strata.engine.key.Lsn;
import io.strata.engine.value.NeonWalRecord;
import java.util.Objects;

/** A WAL record and the LSN it was logged at (Neon's {@code (Lsn, NeonWalRecord)}). */
public record LsnRecord(Lsn lsn, NeonWalRecord record) {
    public LsnRecord {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(record, "record");
    }
}
