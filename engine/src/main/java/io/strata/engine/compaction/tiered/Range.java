package io.strata.engine.compaction.tiered;

import java.util.Comparator;
import java.util.Objects;

/**
 * A half-open range {@code [start, end)} of keys or LSNs (Rust's {@code Range<T>}). Like Rust's it may be empty,
 * and it knows no order of its own: the methods that compare take the order (a {@link CompactionKey} for keys,
 * natural order for LSNs).
 *
 * @param start inclusive
 * @param end   exclusive
 * @param <T>   key or LSN type
 */
public record Range<T>(T start, T end) {
    public Range {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
    }

    public static <T> Range<T> of(T start, T end) {
        return new Range<>(start, end);
    }

    /** Whether {@code start <= value < end}. */
    public boolean contains(T value, Comparator<? super T> order) {
        return order.compare(start, value) <= 0 && order.compare(value, end) < 0;
    }

    public boolean isEmpty(Comparator<? super T> order) {
        return order.compare(start, end) >= 0;
    }

    @Override
    public String toString() {
        return start + ".." + end;
    }
}
