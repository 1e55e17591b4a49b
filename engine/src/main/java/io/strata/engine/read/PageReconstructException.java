package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;

/** A page could not be reconstructed (Neon's {@code PageReconstructError}); names the key and the LSN. */
public class PageReconstructException extends RuntimeException {
    private final transient Key key;
    private final transient Lsn lsn;

    public PageReconstructException(Key key, Lsn lsn, String message, Throwable cause) {
        super("key " + key + " at " + lsn + ": " + message, cause);
        this.key = key;
        this.lsn = lsn;
    }

    public PageReconstructException(Key key, Lsn lsn, String message) {
        this(key, lsn, message, null);
    }

    public Key key() {
        return key;
    }

    public Lsn lsn() {
        return lsn;
    }
}
