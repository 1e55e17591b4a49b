package io.strata.engine.compaction.tiered;

import java.util.ArrayList;
import java.util.List;

/**
 * Sliding window over keys and their sizes that decides where the next delta layer ends (Neon's {@code Window}
 * in {@code compact_tiered.rs}). Keys are fed in strictly increasing order; each element remembers the
 * accumulated size up to and including it, so a size is a difference of two accumulations.
 *
 * @param <K> key type
 */
final class Window<K> {
    private static final class Element<K> {
        K startKey; // inclusive; grows downwards as elements before it are committed into it
        final K lastKey; // inclusive
        final long accumSize;

        Element(K startKey, K lastKey, long accumSize) {
            this.startKey = startKey;
            this.lastKey = lastKey;
            this.accumSize = accumSize;
        }
    }

    private final CompactionKey<K> keys;
    // A deque with index access (for the binary search): live elements are elems[head..].
    private final List<Element<K>> elems = new ArrayList<>();
    private int head;
    private long splitoffSize;

    Window(CompactionKey<K> keys) {
        this.keys = keys;
    }

    void feed(K key, long size) {
        long lastSize = 0;
        if (!isEmpty()) {
            Element<K> last = get(size() - 1);
            // Keys were grouped by accumKeyValues, so each arrives once.
            if (keys.compare(last.lastKey, key) >= 0) {
                throw new IllegalStateException("last_key(=" + last.lastKey + ") >= key(=" + key + ")");
            }
            lastSize = last.accumSize;
        }
        elems.add(new Element<>(key, key, lastSize + size));
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** Bytes in the whole window. */
    long remainSize() {
        return get(size() - 1).accumSize - splitoffSize;
    }

    /** Bytes of the candidate at the front. */
    long peekSize() {
        return get(0).accumSize - splitoffSize;
    }

    /** Merges the first {@code upto} elements into one. */
    private void commitUpto(int upto) {
        while (upto > 1) {
            Element<K> popped = popFront();
            get(0).startKey = popped.startKey;
            upto--;
        }
    }

    /** Index of the first element at which the accumulated size reaches {@code targetSize}. */
    private int findSizeSplit(long targetSize) {
        int lo = 0;
        int hi = size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (get(mid).accumSize - splitoffSize < targetSize) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private Range<K> popDelta() {
        Element<K> first = popFront();
        splitoffSize = first.accumSize;
        // Deltas cover only the keys they hold; images (not done here) would also cover the gaps.
        return new Range<>(first.startKey, keys.next(first.lastKey));
    }

    /**
     * The key range of the next delta layer, or null if the caller should feed more keys first. With
     * {@code hasMore} false (no more keys will come) a non-empty window always yields a range.
     */
    Range<K> chooseNextDelta(long targetSize, boolean hasMore) {
        if (hasMore && isEmpty()) {
            return null;
        }
        // Grow an undersized candidate.
        while (peekSize() < targetSize) {
            if (size() > 1) {
                commitUpto(2);
            } else if (hasMore) {
                return null;
            } else {
                break;
            }
        }
        long slack = targetSize * 5 / 4;
        // Wait for enough input to decide.
        if (hasMore && remainSize() < slack) {
            return null;
        }
        if (!hasMore && remainSize() < slack) {
            // Stretch the last layer up to 1.25x rather than leave a tiny tail layer.
            commitUpto(size());
        } else {
            commitUpto(findSizeSplit(targetSize));
            if (size() == 1 && hasMore) {
                return null;
            }
        }
        return popDelta();
    }

    private int size() {
        return elems.size() - head;
    }

    private Element<K> get(int i) {
        if (i < 0 || i >= size()) {
            throw new IllegalStateException("window has " + size() + " elements, asked for #" + i);
        }
        return elems.get(head + i);
    }

    private Element<K> popFront() {
        Element<K> e = get(0);
        elems.set(head++, null);
        if (head > 64 && head * 2 > elems.size()) {
            elems.subList(0, head).clear();
            head = 0;
        }
        return e;
    }
}
