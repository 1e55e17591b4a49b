package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.Objects;

/**
 * Neon's {@code LayerKey}: what identifies and orders a layer in the layer map. Keys are held in their
 * {@linkplain #coverageKey(Key) i128 form} and LSNs as u64 bits, as Neon's. Ordered by LSN start first, which is
 * the order the versioned coverage inserts layers in.
 *
 * @param keyStart inclusive, in i128 form
 * @param keyEnd   exclusive, in i128 form
 * @param lsnStart inclusive, u64 bits
 * @param lsnEnd   exclusive, u64 bits
 * @param isImage  an image layer (not a delta)
 */
record LayerKey(Key keyStart, Key keyEnd, long lsnStart, long lsnEnd, boolean isImage) implements Comparable<LayerKey> {
    LayerKey {
        Objects.requireNonNull(keyStart, "keyStart");
        Objects.requireNonNull(keyEnd, "keyEnd");
    }

    static LayerKey of(PersistentLayerDesc layer) {
        return new LayerKey(coverageKey(layer.keyRange().start()), coverageKey(layer.keyRange().end()),
                layer.lsnStart().value(), layer.lsnEnd().value(), !layer.isDelta());
    }

    /** The smallest key of any layer whose LSN range starts at {@code lsnStart}: where a rebuild resumes. */
    static LayerKey firstAt(long lsnStart) {
        return new LayerKey(Key.MIN, Key.MIN, lsnStart, 0, false);
    }

    /**
     * {@code Key::from_i128(key.to_i128())}: the key as Neon's coverage sees it. The i128 form drops field1's top
     * bit and keeps 16 bits of field2, so {@link Key#MAX} becomes {@code 7F0000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF};
     * on such keys the key order equals the i128 order.
     *
     * @throws IllegalStateException if field2 does not fit the i128 form (Neon panics)
     */
    static Key coverageKey(Key key) {
        return Key.fromI128(key.toI128Hi(), key.toI128Lo());
    }

    @Override
    public int compareTo(LayerKey o) {
        int c = Long.compareUnsigned(lsnStart, o.lsnStart);
        if (c == 0) {
            c = Long.compareUnsigned(lsnEnd, o.lsnEnd);
        }
        if (c == 0) {
            c = keyStart.compareTo(o.keyStart);
        }
        if (c == 0) {
            c = keyEnd.compareTo(o.keyEnd);
        }
        if (c == 0) {
            c = Boolean.compare(isImage, o.isImage);
        }
        return c;
    }
}
