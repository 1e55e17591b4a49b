package io.strata.engine.key;

import java.util.Optional;

/**
 * A PostgreSQL log sequence number (u64, Neon's {@code utils::lsn::Lsn}). Ordered unsigned; written as 8
 * big-endian bytes, shown as {@code HI/LO} and named in layer files as 16 upper-case hex digits (FORMAT 4).
 *
 * @param value the u64 bits
 */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn INVALID = new Lsn(0);
    public static final Lsn MAX = new Lsn(-1L);
    /** Bytes of the binary form. */
    public static final int SIZE = 8;

    public static Lsn of(long value) {
        return new Lsn(value);
    }

    @Override
    public int compareTo(Lsn o) {
        return Long.compareUnsigned(value, o.value);
    }

    public boolean isBefore(Lsn o) {
        return compareTo(o) < 0;
    }

    public boolean isAfter(Lsn o) {
        return compareTo(o) > 0;
    }

    /** Not {@link #INVALID} (PostgreSQL's {@code XLogRecPtrIsInvalid}). */
    public boolean isValid() {
        return value != 0;
    }

    /**
     * Adds a u64, as Neon's {@code Lsn + u64}.
     *
     * @throws ArithmeticException on u64 overflow (Neon panics)
     */
    public Lsn add(long n) {
        long r = value + n;
        if (Long.compareUnsigned(r, value) < 0) {
            throw new ArithmeticException("LSN overflow: " + this + " + " + Long.toUnsignedString(n));
        }
        return new Lsn(r);
    }

    /** Subtracts a u64, or empty if it would go below 0. */
    public Optional<Lsn> checkedSub(long n) {
        return Long.compareUnsigned(n, value) > 0 ? Optional.empty() : Optional.of(new Lsn(value - n));
    }

    /** Subtracts a u64, stopping at 0. */
    public Lsn saturatingSub(long n) {
        return Long.compareUnsigned(n, value) > 0 ? INVALID : new Lsn(value - n);
    }

    /** The slash form {@code HI/LO}: upper-case hex, no padding. */
    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFF_FFFFL).toUpperCase();
    }

    /** The layer file name form: 16 upper-case hex digits, zero padded. */
    public String toFileNameHex() {
        StringBuilder sb = new StringBuilder(16);
        Hex.appendFixed(sb, value, 16, true);
        return sb.toString();
    }

    /**
     * Parses the slash form ({@code Lsn::from_str}): surrounding whitespace is trimmed, then exactly two
     * {@code /}-separated parts, each a hex u32 of either case.
     *
     * @throws IllegalArgumentException naming the input
     */
    public static Lsn parse(String s) {
        String t = RustText.trim(s);
        int slash = t.indexOf('/');
        if (slash < 0 || t.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("invalid LSN '" + s + "': expected HI/LO");
        }
        try {
            long hi = Hex.parseUnsigned(t, 0, slash, 0xFFFF_FFFFL);
            long lo = Hex.parseUnsigned(t, slash + 1, t.length(), 0xFFFF_FFFFL);
            return new Lsn(hi << 32 | lo);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid LSN '" + s + "': " + e.getMessage(), e);
        }
    }

    /**
     * Parses plain hex ({@code Lsn::from_hex}), as in layer file names: any number of digits of either case
     * (leading zeros allowed) whose value fits in 64 bits; no whitespace.
     *
     * @throws IllegalArgumentException naming the input
     */
    public static Lsn fromHex(String s) {
        try {
            return new Lsn(Hex.parseU64(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid hex LSN '" + s + "': " + e.getMessage(), e);
        }
    }
}
