package io.strata.engine.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.List;

/** Layers and keys as Neon's tests write them: keys from small i128 values, LSNs as numbers. */
final class TestLayers {
    static final long FAKE_LAYER_SIZE = 1024;

    private TestLayers() {
    }

    /** {@code Key::from_i128(n)}. */
    static Key key(long n) {
        return Key.fromI128(0, n);
    }

    static KeyRange range(long start, long end) {
        return new KeyRange(key(start), key(end));
    }

    static Lsn lsn(long n) {
        return new Lsn(n);
    }

    /** {@code PersistentLayerDesc::new_delta}. */
    static PersistentLayerDesc delta(long keyStart, long keyEnd, long lsnStart, long lsnEnd) {
        return delta(range(keyStart, keyEnd), lsnStart, lsnEnd);
    }

    static PersistentLayerDesc delta(KeyRange keys, long lsnStart, long lsnEnd) {
        return new PersistentLayerDesc(new DeltaLayerName(keys, lsn(lsnStart), lsn(lsnEnd)), FAKE_LAYER_SIZE);
    }

    /** {@code PersistentLayerDesc::new_img}: covers [lsn, lsn + 1). */
    static PersistentLayerDesc image(long keyStart, long keyEnd, long lsn) {
        return image(range(keyStart, keyEnd), lsn);
    }

    static PersistentLayerDesc image(KeyRange keys, long lsn) {
        return new PersistentLayerDesc(new ImageLayerName(keys, lsn(lsn)), FAKE_LAYER_SIZE);
    }

    /** {@code PersistentLayerDesc::new_test}: an image's LSN range must be [L, L+1) here. */
    static PersistentLayerDesc newTest(KeyRange keys, long lsnStart, long lsnEnd, boolean isDelta) {
        if (isDelta) {
            return delta(keys, lsnStart, lsnEnd);
        }
        if (lsnEnd != lsnStart + 1) {
            throw new IllegalArgumentException("an image covers [L, L+1), got " + lsnStart + ".." + lsnEnd);
        }
        return image(keys, lsnStart);
    }

    /** Neon's {@code create_layer_map}: one batch with every layer. */
    static LayerMap layerMap(List<PersistentLayerDesc> layers) {
        BatchedUpdates updates = LayerMap.EMPTY.batchUpdate();
        layers.forEach(updates::insertHistoric);
        return updates.flush();
    }
}
