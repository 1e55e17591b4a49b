package io.strata.engine.key;

import java.util.Objects;

/**
 * A half-open key range {@code [start, end)} (Rust's {@code Range<Key>}). Like Rust's range it may be
 * empty, including {@code start > end}: Neon accepts such ranges in image layer names.
 *
 * @param start inclusive
 * @param end exclusive
 */
public record KeyRange(Key start, Key end) {
    /** Every key except {@link Key#MAX}: the range of L0 delta layers. */
    public static final KeyRange FULL = new KeyRange(Key.MIN, Key.MAX);

    public KeyRange {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
    }

    public static KeyRange of(Key start, Key end) {
        return new KeyRange(start, end);
    }

    /** {@code [key, key.next())}. */
    public static KeyRange singleton(Key key) {
        return new KeyRange(key, key.next());
    }

    public boolean isEmpty() {
        return start.compareTo(end) >= 0;
    }

    public boolean contains(Key key) {
        return start.compareTo(key) <= 0 && key.compareTo(end) < 0;
    }

    /** Whether {@code other} lies within this range (an empty range lies within any range). */
    public boolean contains(KeyRange other) {
        return other.isEmpty() || (start.compareTo(other.start) <= 0 && other.end.compareTo(end) <= 0);
    }

    /**
     * Neon's overlap test {@code a.start < b.end && b.start < a.end}. For non-empty ranges this means they
     * share a key; an empty range strictly inside another also counts, as in Neon's {@code KeySpace::overlaps}.
     */
    public boolean overlaps(KeyRange other) {
        return start.compareTo(other.end) < 0 && other.start.compareTo(end) < 0;
    }

    /** The common part, possibly empty ({@code [max(starts), min(ends))}). */
    public KeyRange intersect(KeyRange other) {
        Key s = start.compareTo(other.start) >= 0 ? start : other.start;
        Key e = end.compareTo(other.end) <= 0 ? end : other.end;
        return new KeyRange(s, e);
    }

    /**
     * Whether the keys lie within one relation fork's data blocks, or span just the size slot of one fork
     * and blocks of the next ({@code is_contiguous_range}); only there is a key count meaningful.
     */
    public boolean isContiguous() {
        return start.field1() == end.field1() && start.field2() == end.field2() && start.field3() == end.field3()
                && start.field4() == end.field4()
                && (start.field5() == end.field5() || (start.field6() == -1 && ((start.field5() + 1) & 0xFF) == end.field5()));
    }

    /**
     * Number of keys, Neon's {@code ShardedRange::raw_size}: the field6 distance for a
     * {@linkplain #isContiguous() contiguous} range, otherwise u32::MAX ("large"). Arithmetic wraps (u8 field5,
     * u32 field6) as in Neon's release build; the result is a u32 in a long.
     */
    public long rawSize() {
        return isContiguous() ? contiguousLength() : 0xFFFF_FFFFL;
    }

    /** {@code contiguous_range_len}; only meaningful for contiguous ranges. */
    long contiguousLength() {
        if (start.field6() == -1) {
            return Integer.toUnsignedLong(end.field6() + 1);
        }
        return Integer.toUnsignedLong(end.field6() - start.field6());
    }

    /** Neon's text form {@code START-END} (as in layer names). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(2 * Key.HEX_LENGTH + 1);
        start.appendHex(sb);
        sb.append('-');
        end.appendHex(sb);
        return sb.toString();
    }

    /**
     * Parses {@code START-END}, splitting at the first {@code '-'}.
     *
     * @throws IllegalArgumentException naming the input
     */
    public static KeyRange parse(String s) {
        int dash = s.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("invalid key range '" + s + "': expected START-END");
        }
        return new KeyRange(Key.fromHex(s.substring(0, dash)), Key.fromHex(s.substring(dash + 1)));
    }
}
