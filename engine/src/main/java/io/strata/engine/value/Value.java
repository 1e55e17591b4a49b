package io.strata.engine.value;

import java.util.Arrays;
import java.util.Objects;
import org.agrona.DirectBuffer;

/**
 * One version of one key in a delta layer: either a full image of the value or a WAL record to apply to the
 * previous version. Serialized with bincode as a u32 variant index (0 = Image, 1 = WalRecord) then the payload.
 */
public sealed interface Value permits Value.Image, Value.WalRecord {

    /** Whether this value can be reconstructed without older versions: images always, records when they say so. */
    boolean willInit();

    /** The bincode form (Neon's {@code Value::ser}). */
    default byte[] serialize() {
        return ValueCodec.serialize(this);
    }

    /** Decodes exactly one value from {@code bytes} (Neon's {@code Value::des}: trailing bytes are an error). */
    static Value deserialize(byte[] bytes) {
        return ValueCodec.deserialize(bytes);
    }

    /** Decodes exactly one value from {@code [offset, offset + length)} of {@code buffer}. */
    static Value deserialize(DirectBuffer buffer, int offset, int length) {
        return ValueCodec.deserialize(buffer, offset, length);
    }

    /** A complete copy of the value (a page image, or a metadata value). */
    record Image(byte[] bytes) implements Value {
        public Image {
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public boolean willInit() {
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Image other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Image[" + bytes.length + " bytes]";
        }
    }

    /** A record to replay over the previous version (unless it {@linkplain NeonWalRecord#willInit inits}). */
    record WalRecord(NeonWalRecord record) implements Value {
        public WalRecord {
            Objects.requireNonNull(record, "record");
        }

        @Override
        public boolean willInit() {
            return record.willInit();
        }
    }
}
