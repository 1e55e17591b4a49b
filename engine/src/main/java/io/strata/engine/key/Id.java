package io.strata.engine.key;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Neon's 128-bit random id ({@code utils::id::Id}), the shared body of {@link TenantId} and {@link TimelineId}:
 * 16 raw bytes in binary form, 32 lower-case hex digits in text form, ordered as unsigned bytes.
 */
abstract class Id {
    static final int SIZE = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    Id(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("invalid id length " + bytes.length + ", expected " + SIZE);
        }
        this.bytes = bytes.clone();
    }

    static byte[] random() {
        byte[] b = new byte[SIZE];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Decodes 32 hex digits of either case ({@code hex::decode_to_slice}). */
    static byte[] parseHex(String kind, String s) {
        if (s.length() != 2 * SIZE) {
            throw new IllegalArgumentException(
                    "invalid " + kind + " '" + s + "': expected " + 2 * SIZE + " hex digits, got " + s.length() + " characters");
        }
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            int hi = Hex.digit(s.charAt(2 * i));
            int lo = Hex.digit(s.charAt(2 * i + 1));
            if (hi < 0 || lo < 0) {
                int at = hi < 0 ? 2 * i : 2 * i + 1;
                throw new IllegalArgumentException(
                        "invalid " + kind + " '" + s + "': invalid hex character '" + s.charAt(at) + "' at " + at);
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }

    /** A copy of the 16 bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** Writes the 16 bytes at {@code off}. */
    public void writeTo(byte[] dst, int off) {
        System.arraycopy(bytes, 0, dst, off, SIZE);
    }

    final int compareBytes(Id other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && Arrays.equals(bytes, ((Id) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** 32 lower-case hex digits. */
    @Override
    public String toString() {
        return Hex.lower(bytes);
    }
}
