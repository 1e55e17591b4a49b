package io.strata.engine.timeline;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;

/**
 * A record refused because its LSN is out of order: not above the timeline's last record LSN (each batch must start
 * above the previous batch's end), or below the record before it in its batch. Nothing of the batch was written.
 */
public final class IngestOrderException extends IllegalArgumentException {
    private final Key key;
    private final Lsn lsn;
    private final Lsn bound;

    IngestOrderException(String message, Key key, Lsn lsn, Lsn bound) {
        super(message);
        this.key = key;
        this.lsn = lsn;
        this.bound = bound;
    }

    /** The refused record's key. */
    public Key key() {
        return key;
    }

    /** The refused record's LSN. */
    public Lsn lsn() {
        return lsn;
    }

    /** The LSN it had to be above (the last record LSN) or at least (the previous record's). */
    public Lsn bound() {
        return bound;
    }
}
