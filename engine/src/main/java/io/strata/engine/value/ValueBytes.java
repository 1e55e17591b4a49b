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
    /** Strata's Physical record with empty bytes: two u32 variants, the u32 offset, the u64 length, the bool. */
    static final int MIN_PHYSICAL_RECORD_LEN = 21;

    private ValueBytes() {
    }

    /**
     * Neon's {@code ValueBytes::will_init} (FORMAT 10.3): images always init; of the WAL records only a Postgres
     * record is inspected (its will_init byte); everything else, including an unknown value variant, is false.
     *
     * <p>Strata's own {@link NeonWalRecord.Physical} (not a Neon variant) is inspected too, so that a raw copy
     * indexes it with the same will_init bit as its decoded form: its bool follows the offset and the bytes.
     *
     * <p>Like Neon, this does not look at {@code NeonWalRecord.Test}, whose decoded form may say will_init =
     * true: the raw check answers false for it. Also like Neon, it refuses one valid value: a
     * {@code ClearVisibilityMapFlags} with both block numbers None serializes to 11 bytes (TOO_SHORT_VALUE); its
     * will_init would be false.
     *
     * @throws InvalidValueBytesException when shorter than 12 bytes, a Postgres record shorter than 17, or a
     *     Physical record cut before its will_init byte
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
        int recordVariant = raw.getInt(offset + 4, ByteOrder.BIG_ENDIAN);
        if (recordVariant == NeonWalRecord.Physical.VARIANT_INDEX) {
            return physicalWillInit(raw, offset, length);
        }
        if (recordVariant != 0) {
            return false;
        }
        if (length < MIN_POSTGRES_RECORD_LEN) {
            throw new InvalidValueBytesException(InvalidValueBytesException.Reason.TOO_SHORT_POSTGRES_RECORD, length);
        }
        return raw.getByte(offset + 8) == 1;
    }

    private static boolean physicalWillInit(DirectBuffer raw, int offset, int length) {
        if (length < MIN_PHYSICAL_RECORD_LEN) {
            throw new InvalidValueBytesException(InvalidValueBytesException.Reason.TOO_SHORT_PHYSICAL_RECORD, length);
        }
        long bytesLen = raw.getLong(offset + 12, ByteOrder.BIG_ENDIAN);
        if (bytesLen < 0 || bytesLen > length - MIN_PHYSICAL_RECORD_LEN) {
            // an unsigned length above 2^63 cannot be met either: report it as Long.MAX_VALUE
            long needed = bytesLen < 0 || bytesLen > Long.MAX_VALUE - MIN_PHYSICAL_RECORD_LEN
                    ? Long.MAX_VALUE : MIN_PHYSICAL_RECORD_LEN + bytesLen;
            throw new InvalidValueBytesException(InvalidValueBytesException.Reason.TOO_SHORT_PHYSICAL_RECORD, length,
                    needed);
        }
        return raw.getByte(offset + MIN_PHYSICAL_RECORD_LEN - 1 + (int) bytesLen) == 1;
    }

    public static boolean willInit(byte[] raw) {
        return willInit(new UnsafeBuffer(raw), 0, raw.length);
    }
}
