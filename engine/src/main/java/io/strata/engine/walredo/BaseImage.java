package io.strata.engine.walredo;

import io.strata.engine.key.Lsn;
import java.util.Arrays;
import java.util.Objects;

/**
 * The newest full image of a page found below the records to replay (Neon's {@code base_img}), and its LSN.
 * The array is lent, not copied: redo never modifies it, and the caller must not modify it while a redo runs.
 */
public record BaseImage(Lsn lsn, byte[] page) {
    public BaseImage {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(page, "page");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BaseImage b && lsn.equals(b.lsn) && Arrays.equals(page, b.page);
    }

    @Override
    public int hashCode() {
        return 31 * lsn.hashCode() + Arrays.hashCode(page);
    }

    @Override
    public String toString() {
        return "BaseImage[lsn=" + lsn + ", page=" + page.length + " bytes]";
    }
}
