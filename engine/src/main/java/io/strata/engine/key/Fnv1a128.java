package io.strata.engine.key;

/**
 * 128-bit FNV-1a as Neon's {@code aux_file::fnv_hash} computes it; AUX file keys embed 13 bytes of it, so it
 * must be bit-exact. Arithmetic is modulo 2^128 on a (hi, lo) pair of longs.
 */
public final class Fnv1a128 {
    static final long OFFSET_HI = 0x6c62272e07bb0142L;
    static final long OFFSET_LO = 0x62b821756295c58dL;
    /** The prime is 2^88 + 0x13B. */
    private static final long PRIME_LOW = 0x13BL;

    private Fnv1a128() {
    }

    /** The hash as 16 big-endian bytes ({@code u128::to_be_bytes}). */
    public static byte[] hash(byte[] data) {
        long hi = OFFSET_HI;
        long lo = OFFSET_LO;
        for (byte b : data) {
            lo ^= b & 0xFF;
            // (hi:lo) * (2^88 + 0x13B) mod 2^128
            long newLo = lo * PRIME_LOW;
            long carry = Math.multiplyHigh(lo, PRIME_LOW) + (lo < 0 ? PRIME_LOW : 0); // unsigned high word
            hi = hi * PRIME_LOW + carry + (lo << 24);
            lo = newLo;
        }
        byte[] out = new byte[16];
        Key.putLong(out, 0, hi);
        Key.putLong(out, 8, lo);
        return out;
    }
}
