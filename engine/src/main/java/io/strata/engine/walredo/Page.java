package io.strata.engine.walredo;

import java.util.Arrays;

/**
 * The page being reconstructed (Neon's {@code BytesMut}): a growable byte array with a length. Bytes past the
 * length are never visible: growing the length zero-fills, so stale bytes of a cleared page cannot reappear.
 * Out-of-bounds access throws {@link RedoFailure} naming the offset and the length. Not thread-safe.
 */
final class Page {
    /** The largest array the JVM reliably allocates. */
    static final int MAX_LENGTH = Integer.MAX_VALUE - 8;

    private byte[] data;
    private int length;

    Page() {
        this.data = new byte[0];
    }

    /** A page holding a copy of {@code image} (the caller's array is never modified). */
    static Page copyOf(byte[] image) {
        Page p = new Page();
        p.data = image.clone();
        p.length = image.length;
        return p;
    }

    int length() {
        return length;
    }

    boolean isEmpty() {
        return length == 0;
    }

    /** The byte at {@code index} as 0..255. */
    int get(int index) {
        check(index, 1);
        return data[index] & 0xFF;
    }

    void set(int index, int value) {
        check(index, 1);
        data[index] = (byte) value;
    }

    int getIntLE(int index) {
        check(index, 4);
        return (data[index] & 0xFF) | (data[index + 1] & 0xFF) << 8 | (data[index + 2] & 0xFF) << 16
                | (data[index + 3] & 0xFF) << 24;
    }

    void putIntLE(int index, int value) {
        check(index, 4);
        data[index] = (byte) value;
        data[index + 1] = (byte) (value >>> 8);
        data[index + 2] = (byte) (value >>> 16);
        data[index + 3] = (byte) (value >>> 24);
    }

    /** Sets {@code [from, length)} to zero. */
    void zeroFrom(int from) {
        check(from, 0);
        Arrays.fill(data, from, length, (byte) 0);
    }

    void clear() {
        length = 0;
    }

    /** Shortens the page to {@code newLength} (no effect if it is not shorter), like {@code BytesMut::truncate}. */
    void truncate(int newLength) {
        if (newLength < length) {
            length = newLength;
        }
    }

    /** Grows the page to {@code newLength} with zero bytes (no effect if it is not longer). */
    void extendTo(long newLength) {
        if (newLength <= length) {
            return;
        }
        if (newLength > MAX_LENGTH) {
            throw new RedoFailure("the page would grow to " + newLength + " bytes, more than a Java array holds");
        }
        int n = (int) newLength;
        // stale bytes of a truncated or cleared page; a larger array starts as zeros past the old one
        Arrays.fill(data, length, Math.min(n, data.length), (byte) 0);
        if (n > data.length) {
            data = Arrays.copyOf(data, (int) Math.min(MAX_LENGTH, Math.max(n, 2L * data.length)));
        }
        length = n;
    }

    /** Writes {@code bytes} at {@code offset}, growing the page with zeros as needed. */
    void write(int offset, byte[] bytes) {
        extendTo((long) offset + bytes.length);
        System.arraycopy(bytes, 0, data, offset, bytes.length);
    }

    void append(byte[] bytes) {
        write(length, bytes);
    }

    void appendLongBE(long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (value >>> (56 - 8 * i));
        }
        append(b);
    }

    boolean contentEquals(byte[] other) {
        return Arrays.equals(data, 0, length, other, 0, other.length);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(data, length);
    }

    private void check(int index, int size) {
        if (index < 0 || index > length - size) {
            throw new RedoFailure(size == 0
                    ? "offset " + index + " is outside the page of " + length + " bytes"
                    : "bytes [" + index + ", " + ((long) index + size) + ") are outside the page of " + length
                            + " bytes");
        }
    }
}
