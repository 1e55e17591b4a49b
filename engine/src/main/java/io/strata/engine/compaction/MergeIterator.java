package io.strata.engine.compaction;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Neon's {@code MergeIterator}: a k-way merge of image and delta layers in (key, lsn) order. At the same key and
 * LSN an image comes before a WAL record; duplicates are kept (the same value in two layers, an image and the
 * delta it applied): callers deal with them. Every item carries the layer it came from.
 *
 * <p><b>Lazy.</b> As Neon's {@code NotLoaded} iterators, a layer starts as its name's lower bound, (key range
 * start, LSN start), ordered before any loaded value at the same key and LSN; only when that bound reaches the
 * top of the heap is the layer subscribed ({@link LayerSource#batches}: opened, its index walked, its values
 * read), and it rejoins the heap at its real first value. A merge of many layers over disjoint key ranges thus
 * reads one or two at a time, and a merge cancelled early never opens the layers beyond. Layers whose key ranges
 * start at the same key are subscribed together when the first of them is reached (they are all needed before
 * anything above that key), so their first reads overlap instead of following one another.
 *
 * <p><b>Bounded.</b> Each loaded layer holds one planned read's values plus its iterator's lookahead
 * ({@link io.strata.engine.layer.LayerIteration}); the merge requests a layer's next batch only once it has
 * merged the current one, and builds output only against downstream demand.
 *
 * <p><b>Streaming.</b> {@link #batches()} emits {@link MergeBatch}es of up to
 * {@code options.maxBatchCount()} items, so the per-item cost is a few comparisons and two array stores; a batch
 * is cut short when a layer's next values are not in memory yet (the next read is in flight), so downstream works
 * while the merge waits. Nothing blocks: signals arrive on whatever thread completed the read (an io_uring event
 * loop), so heavy consumers should {@code publishOn}. Cancelling cancels every layer stream, which releases every
 * pool buffer. A layer whose values are out of order, or start below its name's range, fails the merge.
 */
public final class MergeIterator {
    private final List<LayerSource> layers;
    private final AlignedBufferPool pool;
    private final IteratorOptions options;

    private MergeIterator(List<LayerSource> layers, AlignedBufferPool pool, IteratorOptions options) {
        this.layers = layers;
        this.pool = pool;
        this.options = options;
    }

    /** A merge with Neon's default iterator options (8 MiB reads of at most 1024 values). */
    public static MergeIterator create(Collection<? extends LayerSource> layers, AlignedBufferPool pool) {
        return createWithOptions(layers, pool, IteratorOptions.DEFAULT);
    }

    /**
     * Neon's {@code create_with_options}: {@code options} plans each layer's reads (gc-compaction uses 1 MiB and
     * 128 values) and bounds the output batches.
     */
    public static MergeIterator createWithOptions(Collection<? extends LayerSource> layers, AlignedBufferPool pool,
                                                  IteratorOptions options) {
        Objects.requireNonNull(layers, "layers");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(options, "options");
        List<LayerSource> copy = List.copyOf(layers);
        for (LayerSource l : copy) {
            Objects.requireNonNull(l.name(), () -> "name of layer source " + l);
        }
        return new MergeIterator(copy, pool, options);
    }

    public List<LayerSource> layers() {
        return layers;
    }

    public IteratorOptions options() {
        return options;
    }

    /** The merge, batch by batch. Cold: each subscription merges from the start. */
    public Flux<MergeBatch> batches() {
        return Flux.from(subscriber -> {
            Merge merge = new Merge(subscriber, this);
            subscriber.onSubscribe(merge);
            merge.drain(); // an empty merge completes without demand
        });
    }

    /** The merge item by item (Neon's {@code next_with_trace}); costs an object per item over {@link #batches()}. */
    public Flux<MergeItem> items() {
        return batches().concatMapIterable(MergeBatch::items, 1);
    }

    /** Where items of equal (key, lsn) go: not-loaded bounds first, then images, then WAL records. */
    static int valueRank(Value value) {
        return value instanceof Value.Image ? 1 : 2;
    }

    /** The merge of one subscription: a heap of cursors driven by a work-in-progress loop. */
    private static final class Merge implements Subscription {
        private static final AtomicIntegerFieldUpdater<Merge> WIP =
                AtomicIntegerFieldUpdater.newUpdater(Merge.class, "wip");
        private static final AtomicLongFieldUpdater<Merge> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(Merge.class, "requested");
        private static final AtomicReferenceFieldUpdater<Merge, Throwable> ERROR =
                AtomicReferenceFieldUpdater.newUpdater(Merge.class, Throwable.class, "error");

        private final Subscriber<? super MergeBatch> actual;
        private final Context context;
        private final AlignedBufferPool pool;
        private final IteratorOptions options;
        private final Cursor[] cursors;
        /** Min-heap of the cursors that have a head; the pending one is out of it. Drain-only. */
        private final Cursor[] heap;
        private int heapSize;
        /** The cursor the merge waits for (first batch, or next batch): it was the minimum. Drain-only. */
        private Cursor pending;
        private final MergeBatch.Builder out;
        private long emitted;
        private boolean terminated;

        private volatile int wip;
        private volatile long requested;
        private volatile Throwable error;
        private volatile boolean cancelled;

        Merge(Subscriber<? super MergeBatch> actual, MergeIterator spec) {
            this.actual = actual;
            this.context = actual instanceof CoreSubscriber<?> c ? c.currentContext() : Context.empty();
            this.pool = spec.pool;
            this.options = spec.options;
            this.out = new MergeBatch.Builder(spec.options.maxBatchCount());
            this.cursors = new Cursor[spec.layers.size()];
            this.heap = new Cursor[cursors.length];
            for (int i = 0; i < cursors.length; i++) {
                cursors[i] = new Cursor(this, spec.layers.get(i), i);
                heapPush(cursors[i]);
            }
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                cancelAll();
                drain(); // clears the state unless a drain is running, which then does
            }
        }

        void innerError(Throwable e) {
            if (!ERROR.compareAndSet(this, null, e)) {
                Operators.onErrorDropped(e, context);
            }
            drain();
        }

        private void cancelAll() {
            for (Cursor c : cursors) {
                c.dispose(); // a cursor subscribed later cancels its upstream at once
            }
        }

        void drain() {
            if (WIP.getAndIncrement(this) != 0) {
                return;
            }
            int missed = 1;
            for (;;) {
                if (!terminated) {
                    drainLoop();
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void drainLoop() {
            for (;;) {
                if (cancelled) {
                    terminate();
                    return;
                }
                Throwable e = error;
                if (e != null) {
                    fail(e);
                    return;
                }
                if (heapSize == 0 && pending == null) { // done: completes without waiting for demand
                    terminate();
                    actual.onComplete();
                    return;
                }
                Cursor p = pending;
                // completed read before arrived (as in fill): a completion follows the last batch
                if (p != null && p.completed && p.arrived == null) {
                    // a layer that ended: taken off now, so the merge completes without waiting for more demand
                    pending = null;
                    p.done();
                    continue;
                }
                if (emitted == requested) {
                    return;
                }
                int status;
                try {
                    status = fill();
                } catch (Throwable t) {
                    ERROR.compareAndSet(this, null, t);
                    continue; // fails the merge above
                }
                if (out.size() > 0) {
                    emitted++;
                    actual.onNext(out.build());
                }
                if (status == END) {
                    terminate();
                    actual.onComplete();
                    return;
                }
                if (status == WAIT) {
                    return; // the pending cursor's signal drains again
                }
            }
        }

        private static final int FULL = 0;
        private static final int WAIT = 1;
        private static final int END = 2;

        /** Moves items into {@link #out} until it is full, a layer must be waited for, or every layer is done. */
        private int fill() {
            for (;;) {
                if (out.isFull()) {
                    return FULL;
                }
                Cursor p = pending;
                if (p != null) {
                    boolean completed = p.completed; // before arrived: a completion follows the last batch
                    List<LayerEntry> batch = p.arrived;
                    if (batch != null) {
                        p.arrived = null;
                        if (batch.isEmpty()) {
                            p.request(1);
                            continue;
                        }
                        p.accept(batch);
                        pending = null;
                        heapPush(p);
                    } else if (completed) {
                        pending = null;
                        p.done();
                    } else {
                        return WAIT;
                    }
                    continue;
                }
                if (heapSize == 0) {
                    return END;
                }
                Cursor top = heap[0];
                if (top.batch == null) {
                    // Not loaded: its lower bound is the minimum, so nothing can be emitted before its first value.
                    heapPop();
                    pending = top;
                    if (cancelled) {
                        return WAIT;
                    }
                    if (!top.subscribed) {
                        top.subscribed = true;
                        top.source.batches(pool, options).subscribe(top);
                        startAlongside(top.lowerKey);
                    }
                    continue;
                }
                LayerEntry head = top.head;
                out.add(head, top.name);
                if (top.advance()) {
                    siftDown(0);
                } else {
                    heapPop();
                    pending = top;
                    top.request(1);
                }
            }
        }

        /**
         * Subscribes, beside the layer just reached, every layer not loaded yet whose key range starts at the same
         * {@code key}: they stay in the heap at their lower bound, and their first batch waits in {@code arrived}
         * until they reach the top. Layers that start together (L0 deltas all start at the smallest key) are all
         * needed before the merge can emit a value above that key; opened one after the other, each first read
         * waited for the one before (21 L0 layers took about a quarter of a second to start). Layers that start
         * elsewhere are still opened only when reached.
         */
        private void startAlongside(Key key) {
            for (int i = 0; i < heapSize && !cancelled; i++) {
                Cursor c = heap[i];
                if (c.batch == null && !c.subscribed && c.lowerKey.equals(key)) {
                    c.subscribed = true;
                    c.source.batches(pool, options).subscribe(c);
                }
            }
        }

        private void fail(Throwable e) {
            cancelAll();
            terminate();
            actual.onError(e);
        }

        /** Drops everything held: values of loaded layers, the output being built. */
        private void terminate() {
            terminated = true;
            for (int i = 0; i < heapSize; i++) {
                heap[i] = null;
            }
            heapSize = 0;
            pending = null;
            for (Cursor c : cursors) {
                c.done();
            }
            if (out.size() > 0) {
                out.build();
            }
        }

        // ---------------------------------------------------------------------------------------- the heap

        private void heapPush(Cursor c) {
            int i = heapSize++;
            heap[i] = c;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (compare(heap[parent], c) <= 0) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = c;
        }

        private void heapPop() {
            Cursor last = heap[--heapSize];
            heap[heapSize] = null;
            if (heapSize > 0) {
                heap[0] = last;
                siftDown(0);
            }
        }

        private void siftDown(int i) {
            Cursor c = heap[i];
            int half = heapSize >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < heapSize && compare(heap[right], heap[child]) < 0) {
                    child = right;
                }
                if (compare(c, heap[child]) <= 0) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = c;
        }

        /** (key, lsn, rank), then the layer's position in the input, so equal items come out in a fixed order. */
        private static int compare(Cursor a, Cursor b) {
            int c = a.key().compareTo(b.key());
            if (c != 0) {
                return c;
            }
            c = a.lsn().compareTo(b.lsn());
            if (c != 0) {
                return c;
            }
            c = Integer.compare(a.rank(), b.rank());
            return c != 0 ? c : Integer.compare(a.ordinal, b.ordinal);
        }
    }

    /**
     * One layer in the merge (Neon's {@code IteratorWrapper}): not loaded (its name's lower bound) until its first
     * batch arrives, then its current batch and position. Fields other than the volatile ones belong to the drain.
     */
    private static final class Cursor extends BaseSubscriber<List<LayerEntry>> {
        private final Merge parent;
        final LayerSource source;
        final LayerName name;
        final int ordinal;
        private final Key lowerKey;
        private final Lsn lowerLsn;
        /** Whether its layer's stream was subscribed (when it reached the top, or with another starting at its key). */
        boolean subscribed;
        /** Null while not loaded (and while pending or done). */
        List<LayerEntry> batch;
        private int index;
        LayerEntry head;

        volatile List<LayerEntry> arrived;
        volatile boolean completed;

        Cursor(Merge parent, LayerSource source, int ordinal) {
            this.parent = parent;
            this.source = Objects.requireNonNull(source, "layer source");
            this.name = Objects.requireNonNull(source.name(), "layer name");
            this.ordinal = ordinal;
            this.lowerKey = name.keyRange().start();
            this.lowerLsn = name.lsnStart();
        }

        Key key() {
            return head != null ? head.key() : lowerKey;
        }

        Lsn lsn() {
            return head != null ? head.lsn() : lowerLsn;
        }

        int rank() {
            return head != null ? valueRank(head.value()) : 0;
        }

        /** A new batch: its first value must not go below the layer's last one (or, first, its lower bound). */
        void accept(List<LayerEntry> next) {
            LayerEntry first = next.get(0);
            if (head == null) {
                if (compareKeyLsn(first.key(), first.lsn(), lowerKey, lowerLsn) < 0) {
                    throw new IllegalStateException("layer key range did not include the first key in the layer: "
                            + first.key() + "@" + first.lsn() + " in " + source);
                }
            } else {
                checkOrder(head, first);
            }
            batch = next;
            index = 0;
            head = first;
        }

        /** Moves past the head; false when the batch is used up (the next one must be requested). */
        boolean advance() {
            if (++index < batch.size()) {
                LayerEntry next = batch.get(index);
                checkOrder(head, next);
                head = next;
                return true;
            }
            batch = null; // head stays: the next batch is checked against it
            return false;
        }

        void done() {
            batch = null;
            head = null;
        }

        private void checkOrder(LayerEntry previous, LayerEntry next) {
            if (compareKeyLsn(next.key(), next.lsn(), previous.key(), previous.lsn()) < 0) {
                throw new IllegalStateException("iterator is not ordered: " + next.key() + "@" + next.lsn()
                        + " after " + previous.key() + "@" + previous.lsn() + " in " + source);
            }
        }

        private static int compareKeyLsn(Key k1, Lsn l1, Key k2, Lsn l2) {
            int c = k1.compareTo(k2);
            return c != 0 ? c : l1.compareTo(l2);
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(1);
        }

        @Override
        protected void hookOnNext(List<LayerEntry> value) {
            arrived = value;
            parent.drain();
        }

        @Override
        protected void hookOnComplete() {
            completed = true;
            parent.drain();
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            parent.innerError(throwable);
        }

        @Override
        public Context currentContext() {
            return parent.context;
        }
    }
}
