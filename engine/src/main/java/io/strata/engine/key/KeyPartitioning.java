package io.strata.engine.key;

import java.util.List;

/**
 * A partitioning of a key space (Neon's {@code KeyPartitioning}): the parts in key order, each a {@link KeySpace} of
 * roughly the same physical size (see {@link KeySpace#partition}). Image layer creation writes one image layer per
 * part.
 *
 * @param parts non-empty key spaces, in key order, disjoint
 */
public record KeyPartitioning(List<KeySpace> parts) {
    private static final KeyPartitioning EMPTY = new KeyPartitioning(List.of());

    public KeyPartitioning {
        parts = List.copyOf(parts);
    }

    public static KeyPartitioning empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return parts.isEmpty();
    }
}
