package io.strata.engine.layer;

import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import java.util.Objects;

/**
 * What the layer map knows of a layer on disk (Neon's {@code PersistentLayerDesc}): its logical name (key range,
 * LSN range, image or delta) and its file size. Immutable; equal descriptions name the same layer.
 *
 * @param name     the layer's logical name; an image at L covers LSNs [L, L+1)
 * @param fileSize the layer file's size in bytes
 */
public record PersistentLayerDesc(LayerName name, long fileSize) {
    public PersistentLayerDesc {
        Objects.requireNonNull(name, "name");
        if (fileSize < 0) {
            throw new IllegalArgumentException("negative file size " + fileSize + " for layer " + name);
        }
    }

    public KeyRange keyRange() {
        return name.keyRange();
    }

    public Lsn lsnStart() {
        return name.lsnStart();
    }

    /** Exclusive end of the LSN range: for an image layer at L, L+1. */
    public Lsn lsnEnd() {
        return name.lsnEnd();
    }

    public boolean isDelta() {
        return name.isDelta();
    }

    /** The LSN of an image layer (Neon's {@code image_layer_lsn}). */
    public Lsn imageLayerLsn() {
        if (isDelta()) {
            throw new IllegalStateException("not an image layer: " + name);
        }
        return name.lsnStart();
    }

    /** A delta layer over the whole key space (Neon's {@code is_l0}). */
    public boolean isL0() {
        return isDelta() && keyRange().equals(KeyRange.FULL);
    }

    @Override
    public String toString() {
        return name + " (" + fileSize + " bytes)";
    }
}
