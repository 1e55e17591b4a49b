package io.strata.engine.bincode;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes Neon's bincode (big-endian fixint) into a {@link MutableDirectBuffer}.
 *
 * <p>With the default constructor the target is a growable heap buffer; {@link #reset()} makes the writer
 * reusable for the next value, so serializing millions of values allocates nothing but the occasional growth.
 * With a caller's buffer the writer writes in place (an {@link ExpandableArrayBuffer} target grows; a fixed one
 * throws {@link IndexOutOfBoundsException} when full). Not thread-safe.
 *
 * <p>Unsigned Rust integers are taken from Java's signed types bit for bit ({@code u32} from an {@code int},
 * {@code u64}/{@code usize} from a {@code long}); {@link #u8} and {@link #u16} reject values out of range.
 */
public final class BincodeWriter {
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private final MutableDirectBuffer buffer;
    private final int start;
    private int position;

    /** A writer over a fresh growable heap buffer. */
    public BincodeWriter() {
        this(new ExpandableArrayBuffer(128), 0);
    }

    /** A writer that writes into {@code buffer} starting at {@code offset}. */
    public BincodeWriter(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.start = offset;
        this.position = offset;
    }

    /** The target buffer (its bytes {@code [start, position)} are the output so far). */
    public MutableDirectBuffer buffer() {
        return buffer;
    }

    /** The offset in {@link #buffer()} where the next byte goes. */
    public int position() {
        return position;
    }

    /** Bytes written since construction or the last {@link #reset()}. */
    public int length() {
        return position - start;
    }

    /** Forgets the output, keeping the buffer, to serialize the next value. */
    public BincodeWriter reset() {
        position = start;
        return this;
    }

    /** A copy of the output. */
    public byte[] toByteArray() {
        byte[] out = new byte[length()];
        buffer.getBytes(start, out);
        return out;
    }

    public BincodeWriter u8(int value) {
        if ((value & ~0xFF) != 0) {
            throw new IllegalArgumentException("u8 out of range: " + value);
        }
        buffer.putByte(position, (byte) value);
        position += 1;
        return this;
    }

    public BincodeWriter bool(boolean value) {
        buffer.putByte(position, (byte) (value ? 1 : 0));
        position += 1;
        return this;
    }

    public BincodeWriter u16(int value) {
        if ((value & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("u16 out of range: " + value);
        }
        buffer.putShort(position, (short) value, BE);
        position += 2;
        return this;
    }

    /** A {@code u32} from the 32 bits of {@code value}. */
    public BincodeWriter u32(int value) {
        buffer.putInt(position, value, BE);
        position += 4;
        return this;
    }

    /** A {@code u64} from the 64 bits of {@code value}. */
    public BincodeWriter u64(long value) {
        buffer.putLong(position, value, BE);
        position += 8;
        return this;
    }

    public BincodeWriter i64(long value) {
        return u64(value);
    }

    /** Rust's {@code usize}: 8 bytes in bincode's fixint encoding. */
    public BincodeWriter usize(long value) {
        return u64(value);
    }

    /** An enum's variant index (u32, declaration order from 0). */
    public BincodeWriter variant(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative variant index " + index);
        }
        return u32(index);
    }

    /** The tag of an {@code Option}: 0 for None, 1 for Some (the value follows, written by the caller). */
    public BincodeWriter optionTag(boolean some) {
        return bool(some);
    }

    /** The element count of a {@code Vec} (u64); the elements follow, written by the caller. */
    public BincodeWriter vecLen(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative length " + count);
        }
        return u64(count);
    }

    /** {@code Bytes} / {@code Vec<u8>}: u64 length, then the bytes. */
    public BincodeWriter bytes(byte[] value) {
        return bytes(value, 0, value.length);
    }

    public BincodeWriter bytes(byte[] value, int offset, int length) {
        u64(length);
        buffer.putBytes(position, value, offset, length);
        position += length;
        return this;
    }

    public BincodeWriter bytes(DirectBuffer value, int offset, int length) {
        u64(length);
        buffer.putBytes(position, value, offset, length);
        position += length;
        return this;
    }

    /** {@code String}: u64 length of the UTF-8 encoding, then the UTF-8 bytes. */
    public BincodeWriter string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Raw bytes with no length prefix (fixed arrays such as {@code [u8; 16]}). */
    public BincodeWriter raw(byte[] value) {
        buffer.putBytes(position, value);
        position += value.length;
        return this;
    }
}
