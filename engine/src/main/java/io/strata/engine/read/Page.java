package io.strata.engine.read;

import io.strata.engine.key.Key;
import java.util.Objects;

/** A reconstructed value: a key and its bytes at the LSN read. The bytes belong to the receiver. */
public record Page(Key key, byte[] bytes) {
    public Page {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(bytes, "bytes");
    }

    @Override
    public String toString() {
        return "Page[" + key + ", " + bytes.length + " bytes]";
    }
}
