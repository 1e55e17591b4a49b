package io.strata.engine.key;

/**
 * Hex parsing and formatting with Rust's {@code from_str_radix(.., 16)} rules, because Neon's names and
 * text forms are parsed that way: ASCII digits of either case, one optional leading {@code '+'},
 * at least one digit, any number of leading zeros, and failure on overflow. Unlike
 * {@link Long#parseUnsignedLong(String, int)} it never accepts non-ASCII digits.
 */
public final class Hex {
    private static final char[] UPPER = "0123456789ABCDEF".toCharArray();
    private static final char[] LOWER = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    /** Value of one ASCII hex digit, or -1. */
    static int digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * Parses {@code s[from, to)} as an unsigned hex number no larger than {@code max} (compared unsigned).
     *
     * @throws NumberFormatException if the slice is empty, has a non-hex character or exceeds {@code max}
     */
    static long parseUnsigned(CharSequence s, int from, int to, long max) {
        int i = from;
        if (i < to && s.charAt(i) == '+') {
            i++;
        }
        if (i >= to) {
            throw new NumberFormatException("no hex digits");
        }
        long value = 0;
        for (; i < to; i++) {
            int d = digit(s.charAt(i));
            if (d < 0) {
                throw new NumberFormatException("invalid hex digit '" + s.charAt(i) + "'");
            }
            if ((value >>> 60) != 0) {
                throw new NumberFormatException("number too large");
            }
            value = (value << 4) | d;
            if (Long.compareUnsigned(value, max) > 0) {
                throw new NumberFormatException("number too large");
            }
        }
        return value;
    }

    /** {@code u64::from_str_radix(s, 16)}. */
    public static long parseU64(CharSequence s) {
        return parseUnsigned(s, 0, s.length(), -1L);
    }

    /** {@code u32::from_str_radix(s, 16)}, returned as the int with the same bits. */
    public static int parseU32(CharSequence s) {
        return (int) parseUnsigned(s, 0, s.length(), 0xFFFF_FFFFL);
    }

    /** Appends the low {@code digits*4} bits of {@code value}, zero padded. */
    static void appendFixed(StringBuilder sb, long value, int digits, boolean upper) {
        char[] table = upper ? UPPER : LOWER;
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            sb.append(table[(int) (value >>> shift) & 0xF]);
        }
    }

    /** Formats bytes as lower-case hex (Neon's id text form). */
    static String lower(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(LOWER[(b >>> 4) & 0xF]).append(LOWER[b & 0xF]);
        }
        return sb.toString();
    }
}
