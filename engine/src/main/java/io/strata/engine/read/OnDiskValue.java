package io.strata.engine.read;

import java.util.Objects;

/** A value as read from a layer (Neon's {@code OnDiskValue}). */
public sealed interface OnDiskValue permits OnDiskValue.RawImage, OnDiskValue.WalRecordOrImage {
    /** A page image stored unencoded, as image layers store them. */
    record RawImage(byte[] page) implements OnDiskValue {
        public RawImage {
            Objects.requireNonNull(page, "page");
        }
    }

    /** A bincode {@link io.strata.engine.value.Value}, as delta and in-memory layers store them. */
    record WalRecordOrImage(byte[] encoded) implements OnDiskValue {
        public WalRecordOrImage {
            Objects.requireNonNull(encoded, "encoded");
        }
    }
}
