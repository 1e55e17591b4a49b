package io.strata.engine.compaction;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;

/**
 * Neon's {@code FilterIterator}: the items of a {@link MergeIterator} whose keys lie in a dense key space (the
 * relation blocks compaction keeps) or a sparse one (the metadata keys). The two are given apart, as Neon's
 * {@code KeySpace} and {@code SparseKeySpace}, and must not overlap. Once the merge passes the last range the
 * stream completes and cancels the merge, so layers beyond it are never opened.
 */
public final class FilterIterator {
    private final MergeIterator inner;
    private final KeyRange[] retainKeyFilters;

    private FilterIterator(MergeIterator inner, KeyRange[] retainKeyFilters) {
        this.inner = inner;
        this.retainKeyFilters = retainKeyFilters;
    }

    /**
     * @throws IllegalArgumentException if a range of one key space overlaps a range of the other (Neon: "Key
     *                                  filters are overlapping")
     */
    public static FilterIterator create(MergeIterator inner, KeySpace denseKeyspace, KeySpace sparseKeyspace) {
        Objects.requireNonNull(inner, "inner");
        Objects.requireNonNull(denseKeyspace, "denseKeyspace");
        Objects.requireNonNull(sparseKeyspace, "sparseKeyspace");
        List<KeyRange> filters = new ArrayList<>(denseKeyspace.ranges());
        filters.addAll(sparseKeyspace.ranges());
        filters.sort(Comparator.comparing(KeyRange::start));
        for (int i = 1; i < filters.size(); i++) {
            if (filters.get(i - 1).end().compareTo(filters.get(i).start()) > 0) {
                throw new IllegalArgumentException("Key filters are overlapping: " + filters.get(i - 1) + " and "
                        + filters.get(i));
            }
        }
        return new FilterIterator(inner, filters.toArray(KeyRange[]::new));
    }

    /** The ranges kept, in key order. */
    public List<KeyRange> retainKeyFilters() {
        return List.of(retainKeyFilters);
    }

    /** The kept items batch by batch (a batch that loses no item is passed on as is). */
    public Flux<MergeBatch> batches() {
        if (retainKeyFilters.length == 0) {
            return Flux.empty(); // Neon ends at the first item; nothing needs to be read to know that
        }
        return Flux.defer(() -> {
            Position at = new Position();
            return inner.batches().handle((batch, sink) -> {
                MergeBatch kept = filter(batch, at);
                if (kept != null && !kept.isEmpty()) {
                    sink.next(kept);
                }
                if (at.exhausted) {
                    sink.complete(); // cancels the merge
                }
            });
        });
    }

    /** The kept items one by one (Neon's {@code next_with_trace}). */
    public Flux<MergeItem> items() {
        return batches().concatMapIterable(MergeBatch::items, 1);
    }

    /** Where a subscription is in the filters. */
    private static final class Position {
        int filter;
        boolean exhausted;
    }

    private MergeBatch filter(MergeBatch batch, Position at) {
        MergeBatch.Builder kept = null;
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            Key key = batch.key(i);
            while (at.filter < retainKeyFilters.length && key.compareTo(retainKeyFilters[at.filter].end()) >= 0) {
                at.filter++;
            }
            if (at.filter >= retainKeyFilters.length) {
                at.exhausted = true;
                return kept == null ? prefix(batch, i) : kept.build();
            }
            boolean keep = retainKeyFilters[at.filter].contains(key);
            if (!keep && kept == null) {
                kept = new MergeBatch.Builder(n);
                copy(batch, 0, i, kept);
            } else if (keep && kept != null) {
                kept.add(batch.entry(i), batch.layer(i));
            }
        }
        return kept == null ? batch : kept.build();
    }

    /** The first {@code end} items of {@code batch}. */
    private static MergeBatch prefix(MergeBatch batch, int end) {
        if (end == batch.size()) {
            return batch;
        }
        MergeBatch.Builder b = new MergeBatch.Builder(Math.max(1, end));
        copy(batch, 0, end, b);
        return b.build();
    }

    private static void copy(MergeBatch batch, int from, int to, MergeBatch.Builder into) {
        for (int i = from; i < to; i++) {
            into.add(batch.entry(i), batch.layer(i));
        }
    }
}
