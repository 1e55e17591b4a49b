package io.strata.engine.compaction.retention;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.Optional;

/** A key's history cannot be retained or a retention does not verify; names the key and, when known, the LSN. */
public class KeyRetentionException extends RuntimeException {
    private final transient Key key;
    private final transient Lsn lsn;

    public KeyRetentionException(Key key, Lsn lsn, String message, Throwable cause) {
        super(lsn == null ? "key " + key + ": " + message : "key " + key + " at " + lsn + ": " + message, cause);
        this.key = key;
        this.lsn = lsn;
    }

    public Key key() {
        return key;
    }

    /** The LSN the failure is about, absent when it is about the whole history. */
    public Optional<Lsn> lsn() {
        return Optional.ofNullable(lsn);
    }
}
