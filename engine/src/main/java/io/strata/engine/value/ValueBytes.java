package io.strata.engine.value;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Questions answered on a serialized {@link Value} without decoding it (Neon's {@code ValueBytes}): used when
 * blobs are copied between layers and only the will_init bit of the index is needed.
 */
public final class ValueBytes {
    /** An empty image: u32 variant + u64 length. */
    static final int MIN_VALUE_LEN = 12;
    /** A Postgres record with an empty {@code rec}: two u32 variants, the bool, the u64 length. */
    static final int MIN_POSTGRES_RECORD_LEN = 17;

    private ValueBytes() {
    }

    /**
     * Neon's {@code ValueBytes::will_init} (FORMAT 10.3): images always init; of the WAL records only a Postgres
     * record is inspected (its will_init byte); everything else, including an unknown value variant, is false.
     *
     * <p>Like Neon, this does not look at {@code NeonWalRecord.Test}, whose decoded form may say will_init =
     * true: the raw check answers false for it. Also like Neon, it refuses one valid value: a
     * {@code ClearVisibilityMapFlags} with both block numbers None serializes to 11 bytes (TOO_SHORT_VALUE); its
     * will_init would be false.
     *
     * @throws InvalidValueBytesException when shorter than 12 bytes, or a Postgres record shorter than 17
     */
    public static boolean willInit(DirectBuffer raw, int offset, int length) {
        if (length < MIN_VALUE_LEN) {
            throw new InvalidValueBytesException(InvalidValueBytesException.Reason.TOO_SHORT_VALUE, length);
        }
        int valueVariant = raw.getInt(offset, ByteOrder.BIG_ENDIAN);
        if (valueVariant == 0) {
            return true;
        }
        if (valueVariant != 1) {
            return false;
        }
        if (raw.getInt(offset + 4, ByteOrder.BIG_ENDIAN) != 0) {
            return false;
        }
        if (length < MIN_POSTGRES_RECORD_LEN) {
            throw new InvalidValueBytesException(InvalidValueBytesException.Reason.TOO_SHORT_POSTGRES_RECORD, length);
        }
        return raw.getByte(offset + 8) == 1;
    }

    public static boolean willInit(byte[] raw) {
        return willInit(new UnsafeBuffer(raw), 0, raw.length);
    }
}
