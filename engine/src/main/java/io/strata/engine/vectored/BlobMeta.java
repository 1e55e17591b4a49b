package io.strata.engine.vectored;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.Objects;

/**
 * One blob of a planned read (Neon's {@code BlobMeta} with its {@code blobs_at} offset): where its header starts
 * in the file and which value it holds.
 *
 * @param key      the value's key
 * @param lsn      the value's LSN (the layer's LSN for image layers)
 * @param offset   file offset of the blob header (what the index stores)
 * @param willInit whether the value initialises the key (images, will_init records)
 */
public record BlobMeta(Key key, Lsn lsn, long offset, boolean willInit) {
    public BlobMeta {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lsn, "lsn");
        if (offset < 0) {
            throw new IllegalArgumentException("negative blob offset " + offset);
        }
    }

    @Override
    public String toString() {
        return "blob@" + offset + "{" + key + " " + lsn + (willInit ? " will_init" : "") + "}";
    }
}
