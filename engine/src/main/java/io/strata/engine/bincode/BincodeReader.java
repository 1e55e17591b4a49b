package io.strata.engine.bincode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads Neon's bincode (big-endian fixint) from the region {@code [offset, offset + length)} of a
 * {@link DirectBuffer}.
 *
 * <p>Two modes, as Neon uses them: {@linkplain #strict strict} (a delta-layer {@code Value}: the region must hold
 * exactly one value, {@link #finish()} fails on trailing bytes) and {@linkplain #prefix prefix} (the summaries:
 * trailing bytes, the zero padding of block 0, are ignored).
 *
 * <p>Every read checks the remaining bytes first, and every length is checked against them before anything is
 * allocated, so garbage input gives a {@link BincodeDecodeException} (with the offset relative to the region's
 * start), never an out-of-memory error. Not thread-safe.
 */
public final class BincodeReader {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private final DirectBuffer buffer;
    private final int start;
    private final int limit;
    private final boolean strict;
    private int position;

    private BincodeReader(DirectBuffer buffer, int offset, int length, boolean strict) {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            throw new IndexOutOfBoundsException("region [" + offset + ", +" + length + ") outside a buffer of "
                    + buffer.capacity() + " bytes");
        }
        this.buffer = buffer;
        this.start = offset;
        this.limit = offset + length;
        this.strict = strict;
        this.position = offset;
    }

    /** A reader whose {@link #finish()} requires the region to be consumed exactly. */
    public static BincodeReader strict(DirectBuffer buffer, int offset, int length) {
        return new BincodeReader(buffer, offset, length, true);
    }

    public static BincodeReader strict(byte[] bytes) {
        return strict(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /** A reader whose {@link #finish()} ignores trailing bytes. */
    public static BincodeReader prefix(DirectBuffer buffer, int offset, int length) {
        return new BincodeReader(buffer, offset, length, false);
    }

    public static BincodeReader prefix(byte[] bytes) {
        return prefix(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /** Bytes consumed so far (the offset, relative to the region, of the next read). */
    public int consumed() {
        return position - start;
    }

    public int remaining() {
        return limit - position;
    }

    /** Ends decoding: in strict mode, fails if any bytes are left. */
    public void finish() {
        if (strict && position != limit) {
            throw new BincodeDecodeException(consumed(), "end of input",
                    remaining() + " trailing bytes after the value");
        }
    }

    private int take(int n, String what) {
        if (limit - position < n) {
            throw new BincodeDecodeException(consumed(), what,
                    "unexpected end of input: need " + n + " bytes, " + remaining() + " left");
        }
        int at = position;
        position += n;
        return at;
    }

    public int u8() {
        return buffer.getByte(take(1, "u8")) & 0xFF;
    }

    public boolean bool() {
        int at = position;
        int v = buffer.getByte(take(1, "bool")) & 0xFF;
        if (v > 1) {
            throw new BincodeDecodeException(at - start, "bool", "invalid bool " + v);
        }
        return v == 1;
    }

    public int u16() {
        return buffer.getShort(take(2, "u16"), BE) & 0xFFFF;
    }

    /** A {@code u32} as the 32 bits of an int (use {@link Integer#toUnsignedLong} for its value). */
    public int u32() {
        return buffer.getInt(take(4, "u32"), BE);
    }

    /** A {@code u64} as the 64 bits of a long. */
    public long u64() {
        return buffer.getLong(take(8, "u64"), BE);
    }

    public long i64() {
        return buffer.getLong(take(8, "i64"), BE);
    }

    public long usize() {
        return buffer.getLong(take(8, "usize"), BE);
    }

    /**
     * An enum's variant index, which must be below {@code variantCount}.
     *
     * @param enumName for the error message, e.g. {@code "NeonWalRecord"}
     */
    public int variant(String enumName, int variantCount) {
        int at = position;
        int v = buffer.getInt(take(4, enumName + " variant"), BE);
        if (v < 0 || v >= variantCount) {
            throw new BincodeDecodeException(at - start, enumName + " variant (0.." + (variantCount - 1) + ")",
                    "invalid variant index " + Integer.toUnsignedLong(v));
        }
        return v;
    }

    /** The tag of an {@code Option}: true for Some (the caller then reads the value). */
    public boolean optionTag() {
        int at = position;
        int v = buffer.getByte(take(1, "Option tag")) & 0xFF;
        if (v > 1) {
            throw new BincodeDecodeException(at - start, "Option tag", "invalid Option tag " + v);
        }
        return v == 1;
    }

    /**
     * A {@code Vec}'s element count, checked against the remaining bytes assuming each element takes at least
     * {@code minElementSize} bytes (so a corrupt count cannot make the caller allocate a huge array).
     */
    public int vecLen(int minElementSize) {
        return length("Vec length", minElementSize);
    }

    private int length(String what, int unit) {
        int at = position;
        long n = buffer.getLong(take(8, what), BE);
        long room = unit == 0 ? Integer.MAX_VALUE : remaining() / unit;
        if (n < 0 || n > room) {
            throw new BincodeDecodeException(at - start, what, "length " + Long.toUnsignedString(n)
                    + " exceeds the " + remaining() + " bytes left");
        }
        return (int) n;
    }

    /** {@code Bytes}: u64 length, then that many bytes, copied into a new array. */
    public byte[] bytes() {
        int n = length("Bytes length", 1);
        byte[] out = new byte[n];
        buffer.getBytes(position, out);
        position += n;
        return out;
    }

    /** {@code String}: u64 length, then UTF-8 (invalid UTF-8 is an error, as in Rust). */
    public String string() {
        int at = position;
        int n = length("String length", 1);
        byte[] utf8 = new byte[n];
        buffer.getBytes(position, utf8);
        position += n;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BincodeDecodeException(at - start, "String", "invalid UTF-8 (" + e.getMessage() + ")");
        }
    }

    /** {@code n} raw bytes with no length prefix (fixed arrays). */
    public byte[] raw(int n) {
        byte[] out = new byte[n];
        buffer.getBytes(take(n, "[u8; " + n + "]"), out);
        return out;
    }
}
