package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Neon's compaction {@code helpers.rs}: generic utilities over the compaction interface, for the algorithm and
 * for executors (which use {@link #mergeDeltaKeys} to write new deltas).
 */
public final class CompactionHelpers {
    /** Bytes of one page: key counts become sizes with it. */
    public static final long PAGE_SZ = 8192;

    private CompactionHelpers() {
    }

    /** Keys in a key space as the shard stores them, summed as a u64 ({@code keyspace_total_size}). */
    public static <K> long keyspaceTotalSize(List<Range<K>> keyspace, CompactionKey<K> keys,
                                             ShardIdentity shardIdentity) {
        long total = 0;
        for (Range<K> r : keyspace) {
            total += keys.keyRangeSize(r, shardIdentity);
        }
        return total;
    }

    /** Whether two half-open ranges share a point ({@code overlaps_with}). */
    public static <T> boolean overlapsWith(Range<T> a, Range<T> b, Comparator<? super T> order) {
        return !(order.compare(a.end(), b.start()) <= 0 || order.compare(b.end(), a.start()) <= 0);
    }

    public static <T extends Comparable<? super T>> boolean overlapsWith(Range<T> a, Range<T> b) {
        return overlapsWith(a, b, Comparator.naturalOrder());
    }

    /** Whether {@code a} contains all of {@code b} ({@code fully_contains}). */
    public static <T> boolean fullyContains(Range<T> a, Range<T> b, Comparator<? super T> order) {
        return order.compare(a.start(), b.start()) <= 0 && order.compare(a.end(), b.end()) >= 0;
    }

    /**
     * The union of two key spaces, each sorted by start, as sorted, disjoint ranges; touching ranges are joined
     * ({@code union_to_keyspace}).
     */
    public static <K> List<Range<K>> unionToKeyspace(List<Range<K>> a, List<Range<K>> b, Comparator<? super K> order) {
        List<Range<K>> ranges = new ArrayList<>();
        int i = 0;
        int j = 0;
        K start = null;
        K end = null;
        while (i < a.size() || j < b.size()) {
            Range<K> r = j >= b.size() || (i < a.size() && order.compare(a.get(i).start(), b.get(j).start()) <= 0)
                    ? a.get(i++) : b.get(j++);
            if (start == null) {
                start = r.start();
                end = r.end();
            } else if (order.compare(r.start(), end) > 0) {
                ranges.add(new Range<>(start, end));
                start = r.start();
                end = r.end();
            } else if (order.compare(r.end(), end) > 0) {
                end = r.end();
            }
        }
        if (start != null) {
            ranges.add(new Range<>(start, end));
        }
        return ranges;
    }

    /** The part of a sorted, disjoint key space within {@code r} ({@code intersect_keyspace}). */
    public static <K> List<Range<K>> intersectKeyspace(List<Range<K>> a, Range<K> r, Comparator<? super K> order) {
        List<Range<K>> ranges = new ArrayList<>();
        for (Range<K> x : a) {
            if (order.compare(x.end(), r.start()) <= 0) {
                continue;
            }
            if (order.compare(x.start(), r.end()) >= 0) {
                break;
            }
            ranges.add(x);
        }
        if (!ranges.isEmpty()) {
            Range<K> first = ranges.get(0);
            ranges.set(0, new Range<>(max(first.start(), r.start(), order), first.end()));
            int lastIdx = ranges.size() - 1;
            Range<K> last = ranges.get(lastIdx);
            ranges.set(lastIdx, new Range<>(last.start(), min(last.end(), r.end(), order)));
        }
        return ranges;
    }

    private static <T> T max(T a, T b, Comparator<? super T> order) {
        return order.compare(a, b) >= 0 ? a : b;
    }

    private static <T> T min(T a, T b, Comparator<? super T> order) {
        return order.compare(a, b) <= 0 ? a : b;
    }

    /**
     * Every entry of the given delta layers in (key, LSN) order ({@code merge_delta_keys}): a k-way merge that
     * subscribes to a layer's {@link CompactionDeltaLayer#loadKeys} only when the merge reaches the start of the
     * layer's key range, and drops it once drained, so only the entries of layers that overlap the current key
     * are held in memory. Demand-driven: a layer is loaded only when the subscriber wants more entries.
     *
     * @throws IllegalStateException (as an error signal) if a layer yields entries out of order or outside its
     *                               key range's start
     */
    public static <K, C, E extends CompactionDeltaEntry<K>> Flux<E> mergeDeltaKeys(
            List<? extends CompactionDeltaLayer<K, C, ? extends E>> layers, CompactionKey<K> keys, C ctx) {
        return Flux.defer(() -> {
            KMerge<K, C, E> merge = new KMerge<>(layers, keys, ctx);
            // One step loads a layer or emits a run of entries; prefetch 1 keeps loading in step with demand.
            return Mono.defer(merge::step)
                    .repeat(merge::hasMore)
                    .concatMapIterable(Function.identity(), 1);
        });
    }

    /** State of one subscription to {@link #mergeDeltaKeys}. */
    private static final class KMerge<K, C, E extends CompactionDeltaEntry<K>> {
        /** Entries emitted per step at most. */
        private static final int BATCH = 256;
        private final C ctx;
        private final Comparator<? super K> keyOrder;
        private final PriorityQueue<Source<K, C, E>> heap;
        private K lastKey;
        private Lsn lastLsn;

        KMerge(List<? extends CompactionDeltaLayer<K, C, ? extends E>> layers, CompactionKey<K> keys, C ctx) {
            this.ctx = ctx;
            this.keyOrder = keys;
            Comparator<Source<K, C, E>> order = Comparator.<Source<K, C, E>, K>comparing(Source::minKey, keys)
                    .thenComparing(Source::minLsn)
                    .thenComparingInt(s -> s.ordinal);
            this.heap = new PriorityQueue<>(Math.max(1, layers.size()), order);
            for (int i = 0; i < layers.size(); i++) {
                heap.add(new Source<>(layers.get(i), i));
            }
        }

        boolean hasMore() {
            return !heap.isEmpty();
        }

        Mono<List<E>> step() {
            Source<K, C, E> first = heap.peek();
            if (first == null) {
                return Mono.just(List.of());
            }
            if (first.entries == null) {
                // First time at the top: its key range starts here, so its entries are needed now.
                return first.layer.loadKeys(ctx).collectList().map(loaded -> {
                    heap.poll();
                    first.entries = new ArrayList<E>(loaded);
                    if (!first.entries.isEmpty()) {
                        heap.add(first);
                    }
                    return List.of();
                });
            }
            Source<K, C, E> top = first;
            // Emit runs from loaded layers until a batch is full or an unloaded layer comes up: one step per
            // entry would cost more than the merge itself when layers interleave key by key.
            List<E> batch = new ArrayList<>(Math.min(BATCH, 16));
            while (top != null && top.entries != null && batch.size() < BATCH) {
                heap.poll();
                Source<K, C, E> next = heap.peek();
                // The run of this layer's entries that sort before everything else in the heap.
                do {
                    E e = top.entries.get(top.pos++);
                    checkOrder(e, top);
                    batch.add(e);
                } while (top.pos < top.entries.size() && batch.size() < BATCH
                        && (next == null || compareTo(top.entries.get(top.pos), next) <= 0));
                if (top.pos < top.entries.size()) {
                    heap.add(top);
                } else {
                    top.entries = List.of(); // drained: let the entries go
                }
                top = heap.peek();
            }
            return Mono.just(batch);
        }

        private int compareTo(E e, Source<K, C, E> other) {
            int c = keyOrder.compare(e.key(), other.minKey());
            return c != 0 ? c : e.lsn().compareTo(other.minLsn());
        }

        private void checkOrder(E e, Source<K, C, E> source) {
            if (lastKey != null) {
                int c = keyOrder.compare(e.key(), lastKey);
                if (c < 0 || (c == 0 && e.lsn().isBefore(lastLsn))) {
                    throw new IllegalStateException("delta layer " + source.layer.shortId() + " yields " + e.key()
                            + "@" + e.lsn() + " after " + lastKey + "@" + lastLsn
                            + ": entries out of (key, lsn) order or before the layer's key range");
                }
            }
            lastKey = e.key();
            lastLsn = e.lsn();
        }
    }

    /** A layer in the merge heap, keyed by its key range's start until loaded, then by its next entry. */
    private static final class Source<K, C, E extends CompactionDeltaEntry<K>> {
        final CompactionDeltaLayer<K, C, ? extends E> layer;
        final int ordinal;
        List<E> entries; // null until loaded
        int pos;

        Source(CompactionDeltaLayer<K, C, ? extends E> layer, int ordinal) {
            this.layer = layer;
            this.ordinal = ordinal;
        }

        K minKey() {
            return entries == null ? layer.keyRange().start() : entries.get(pos).key();
        }

        Lsn minLsn() {
            return entries == null ? layer.lsnRange().start() : entries.get(pos).lsn();
        }
    }

    /**
     * Groups a (key, LSN)-ordered stream of entries by key ({@code accum_key_values}), and marks where a key's
     * history must be split by LSN because its parts would exceed {@code targetSize}. Streaming: holds one key.
     *
     * @throws IllegalStateException (as an error signal) if keys arrive out of order
     */
    public static <K, E extends CompactionDeltaEntry<K>> Flux<KeySize<K>> accumKeyValues(
            Flux<E> input, long targetSize, Comparator<? super K> keyOrder) {
        return Flux.defer(() -> {
            KeyAccumulator<K> acc = new KeyAccumulator<>(targetSize, keyOrder);
            return input.<KeySize<K>>handle((e, sink) -> {
                KeySize<K> done = acc.feed(e);
                if (done != null) {
                    sink.next(done);
                }
            }).concatWith(Mono.fromSupplier(acc::finish));
        });
    }

    private static final class KeyAccumulator<K> {
        private final long targetSize;
        private final Comparator<? super K> keyOrder;
        private K key;
        private long numValues;
        private long size;
        private long partSize;
        private List<KeySize.Partition> partitionLsns = new ArrayList<>();

        KeyAccumulator(long targetSize, Comparator<? super K> keyOrder) {
            this.targetSize = targetSize;
            this.keyOrder = keyOrder;
        }

        /** Adds an entry; returns the previous key's totals when this entry starts a new key. */
        KeySize<K> feed(CompactionDeltaEntry<K> e) {
            if (key != null && keyOrder.compare(e.key(), key) == 0) {
                long addSize = e.size();
                if (partSize + addSize > targetSize) {
                    partitionLsns.add(new KeySize.Partition(e.lsn(), partSize));
                    partSize = 0;
                }
                partSize += addSize;
                size += addSize;
                numValues++;
                return null;
            }
            if (key != null && keyOrder.compare(e.key(), key) < 0) {
                throw new IllegalStateException("key " + e.key() + " after " + key + ": entries out of key order");
            }
            KeySize<K> done = finish();
            key = e.key();
            numValues = 1;
            size = e.size();
            partSize = e.size();
            partitionLsns = new ArrayList<>();
            return done;
        }

        KeySize<K> finish() {
            return key == null ? null : new KeySize<>(key, numValues, size, partitionLsns);
        }
    }
}
