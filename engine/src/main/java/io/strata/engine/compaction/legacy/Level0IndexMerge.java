package io.strata.engine.compaction.legacy;

import io.strata.engine.layer.delta.DeltaEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * The index entries of several delta layers in (key, LSN) order: a binary-heap k-merge over each layer's
 * {@link DeltaLayerReader#loadKeys} stream, for the L0 planner, which pulls from a worker thread that may wait.
 *
 * <p>Each layer's stream is handed over in lists of {@code batch} entries, two lists ahead, so the B-tree reads of
 * all layers run while the planner works and the planner's thread is woken once per list, not per entry. The
 * heap costs about log2(layers) comparisons per entry; Reactor's {@code mergeComparing}, used before, compares every
 * source's head for every entry, which with 21 L0 layers made the planning passes CPU-bound (about a third of a
 * 1 GiB L0 compaction). Ties (the same key and LSN in two layers, which L0s with disjoint LSN ranges never have)
 * go to the layer listed first. {@link #close()} cancels the streams that are still open.
 */
final class Level0IndexMerge implements Iterator<DeltaEntry>, AutoCloseable {
    private final List<Stream<List<DeltaEntry>>> streams = new ArrayList<>();
    /** Min-heap of the sources that have a head entry. */
    private final Source[] heap;
    private int size;
    private boolean primed;

    Level0IndexMerge(List<DeltaLayerReader> readers, int batch) {
        heap = new Source[readers.size()];
        try {
            for (int i = 0; i < readers.size(); i++) {
                Stream<List<DeltaEntry>> s = readers.get(i).loadKeys().buffer(batch).toStream(2);
                streams.add(s);
                heap[i] = new Source(i, s.iterator());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public boolean hasNext() {
        prime();
        return size > 0;
    }

    @Override
    public DeltaEntry next() {
        prime();
        if (size == 0) {
            throw new NoSuchElementException();
        }
        Source top = heap[0];
        DeltaEntry e = top.head;
        if (top.advance()) {
            siftDown(0);
        } else {
            heap[0] = heap[--size];
            heap[size] = null;
            if (size > 0) {
                siftDown(0);
            }
        }
        return e;
    }

    /** Takes each source's first entry (the first call waits for every layer's first list). */
    private void prime() {
        if (primed) {
            return;
        }
        primed = true;
        Source[] all = heap.clone();
        size = 0;
        for (Source s : all) {
            if (s.advance()) {
                heap[size] = s;
                siftUp(size++);
            }
        }
        for (int i = size; i < heap.length; i++) {
            heap[i] = null;
        }
    }

    private void siftUp(int i) {
        Source s = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(s, heap[parent])) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = s;
    }

    private void siftDown(int i) {
        Source s = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(heap[right], heap[child])) {
                child = right;
            }
            if (!less(heap[child], s)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = s;
    }

    private static boolean less(Source a, Source b) {
        int c = a.head.key().compareTo(b.head.key());
        if (c == 0) {
            c = a.head.lsn().compareTo(b.head.lsn());
        }
        return c != 0 ? c < 0 : a.index < b.index;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Stream<List<DeltaEntry>> s : streams) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** One layer's entries: the current list and the head entry. */
    private static final class Source {
        final int index;
        final Iterator<List<DeltaEntry>> lists;
        List<DeltaEntry> current = List.of();
        int pos;
        DeltaEntry head;

        Source(int index, Iterator<List<DeltaEntry>> lists) {
            this.index = index;
            this.lists = lists;
        }

        /** Moves to the next entry; false at the end of the layer. */
        boolean advance() {
            while (pos >= current.size()) {
                if (!lists.hasNext()) {
                    head = null;
                    return false;
                }
                current = lists.next();
                pos = 0;
            }
            head = current.get(pos++);
            return true;
        }
    }
}
