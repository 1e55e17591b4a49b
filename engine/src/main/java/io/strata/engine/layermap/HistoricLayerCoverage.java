package io.strata.engine.layermap;

import java.util.Arrays;

/**
 * Neon's {@code HistoricLayerCoverage}: the {@link LayerCoverageTuple} after each LSN at which layers start, so a
 * query at an LSN reads the coverage of exactly the layers that start at or below it. Immutable; built with a
 * {@link Builder}, which only appends (no retroactive insert: see {@link BufferedHistoricLayerCoverage}).
 *
 * <p>Versions are keyed by LSN start (u64 bits) in sorted arrays: a lookup is a binary search.
 *
 * @param <V> the layer type
 */
final class HistoricLayerCoverage<V> {
    private static final HistoricLayerCoverage<?> EMPTY = new HistoricLayerCoverage<Object>(new long[0],
            newArray(0));

    /** Version keys, ascending as u64. */
    private final long[] lsns;
    /** {@code versions[i]}: coverage of every layer starting at or below {@code lsns[i]}. */
    private final LayerCoverageTuple<V>[] versions;

    private HistoricLayerCoverage(long[] lsns, LayerCoverageTuple<V>[] versions) {
        this.lsns = lsns;
        this.versions = versions;
    }

    @SuppressWarnings("unchecked")
    static <V> HistoricLayerCoverage<V> empty() {
        return (HistoricLayerCoverage<V>) EMPTY;
    }

    static <V> Builder<V> builder() {
        return new Builder<>(new long[16], newArray(16), 0);
    }

    /** The coverage at {@code lsn} (u64 bits), inclusive: of the layers starting at or below it; null if none. */
    LayerCoverageTuple<V> getVersion(long lsn) {
        int i = floorIndex(lsns, lsns.length, lsn);
        return i < 0 ? null : versions[i];
    }

    /** Number of versions (distinct LSN starts). */
    int versionCount() {
        return lsns.length;
    }

    /**
     * Neon's {@code trim}: a builder holding the versions below {@code begin} (u64 bits), whose head is the last of
     * them, ready to take the layers from {@code begin} on again.
     */
    Builder<V> trim(long begin) {
        int n = begin == 0 ? 0 : floorIndex(lsns, lsns.length, begin - 1) + 1;
        int capacity = Math.max(16, n + n / 2);
        long[] l = Arrays.copyOf(lsns, capacity);
        LayerCoverageTuple<V>[] v = Arrays.copyOf(versions, capacity);
        return new Builder<>(l, v, n);
    }

    /** Index of the last of {@code a[0..n)} that is <= {@code key} as u64, or -1. */
    private static int floorIndex(long[] a, int n, long key) {
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(a[mid], key) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    @SuppressWarnings("unchecked")
    private static <V> LayerCoverageTuple<V>[] newArray(int n) {
        return (LayerCoverageTuple<V>[]) new LayerCoverageTuple<?>[n];
    }

    /** Appends layers in non-decreasing LSN start order; not thread-safe. */
    static final class Builder<V> {
        private long[] lsns;
        private LayerCoverageTuple<V>[] versions;
        private int size;
        /** The latest state. */
        private LayerCoverageTuple<V> head;

        private Builder(long[] lsns, LayerCoverageTuple<V>[] versions, int size) {
            this.lsns = lsns;
            this.versions = versions;
            this.size = size;
            this.head = size == 0 ? LayerCoverageTuple.empty() : versions[size - 1];
        }

        /**
         * Adds a layer on top of the latest version and records the result as the version at its LSN start.
         *
         * @throws IllegalStateException if a layer with a higher LSN start was added before (Neon panics)
         */
        Builder<V> insert(LayerKey layerKey, V value) {
            if (size > 0 && Long.compareUnsigned(layerKey.lsnStart(), lsns[size - 1]) < 0) {
                throw new IllegalStateException("unexpected retroactive insert: layer starting at LSN "
                        + Long.toUnsignedString(layerKey.lsnStart()) + " after one starting at "
                        + Long.toUnsignedString(lsns[size - 1]));
            }
            if (layerKey.isImage()) {
                head = new LayerCoverageTuple<>(head.imageCoverage().insert(layerKey.keyStart(), layerKey.keyEnd(),
                        layerKey.lsnEnd(), value), head.deltaCoverage());
            } else {
                head = new LayerCoverageTuple<>(head.imageCoverage(), head.deltaCoverage().insert(
                        layerKey.keyStart(), layerKey.keyEnd(), layerKey.lsnEnd(), value));
            }
            if (size > 0 && lsns[size - 1] == layerKey.lsnStart()) {
                versions[size - 1] = head;
            } else {
                if (size == lsns.length) {
                    lsns = Arrays.copyOf(lsns, size * 2);
                    versions = Arrays.copyOf(versions, size * 2);
                }
                lsns[size] = layerKey.lsnStart();
                versions[size] = head;
                size++;
            }
            return this;
        }

        /** As {@link HistoricLayerCoverage#getVersion}, for what was added so far. */
        LayerCoverageTuple<V> getVersion(long lsn) {
            int i = floorIndex(lsns, size, lsn);
            return i < 0 ? null : versions[i];
        }

        HistoricLayerCoverage<V> build() {
            return size == 0 ? empty() : new HistoricLayerCoverage<>(Arrays.copyOf(lsns, size),
                    Arrays.copyOf(versions, size));
        }
    }
}
