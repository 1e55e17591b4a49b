package io.strata.engine.read;

import io.strata.engine.value.Value;
import java.util.Objects;

/** A value as read from a layer (Neon's {@code OnDiskValue}). */
public sealed interface OnDiskValue permits OnDiskValue.RawImage, OnDiskValue.WalRecordOrImage, OnDiskValue.Decoded {
    /** A page image stored unencoded, as image layers store them. */
    record RawImage(byte[] page) implements OnDiskValue {
        public RawImage {
            Objects.requireNonNull(page, "page");
        }
    }

    /** A value decoded straight from the read buffer (delta layers: one copy of the page, not two). */
    record Decoded(Value value) implements OnDiskValue {
        public Decoded {
            Objects.requireNonNull(value, "value");
        }
    }

    /** A bincode {@link io.strata.engine.value.Value}, as delta and in-memory layers store them. */
    record WalRecordOrImage(byte[] encoded) implements OnDiskValue {
        public WalRecordOrImage {
            Objects.requireNonNull(encoded, "encoded");
        }
    }
}
