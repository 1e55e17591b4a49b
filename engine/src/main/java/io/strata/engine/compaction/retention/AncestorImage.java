package io.strata.engine.compaction.retention;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.Arrays;
import java.util.Objects;

/**
 * The page of a key read below the compacted history (Neon's {@code base_img_from_ancestor}: a branch's ancestor,
 * or the data below a compaction's LSN range), the base every retained version builds on.
 */
public record AncestorImage(Key key, Lsn lsn, byte[] img) {
    public AncestorImage {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(img, "img");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AncestorImage a && key.equals(a.key) && lsn.equals(a.lsn) && Arrays.equals(img, a.img);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, lsn, Arrays.hashCode(img));
    }

    @Override
    public String toString() {
        return "AncestorImage[key=" + key + ", lsn=" + lsn + ", img=" + img.length + " bytes]";
    }
}
