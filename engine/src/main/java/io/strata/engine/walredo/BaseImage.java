package io.strata.engine.walredo;

import io.strata.engine.key.Lsn;
import java.util.Objects;

/** The page image WAL records are replayed over, and the LSN it is at. */
public record BaseImage(Lsn lsn, byte[] page) {
    public BaseImage {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(page, "page");
    }
}
