package io.strata.engine.key;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A set of keys as sorted, disjoint, non-adjacent, non-empty {@link KeyRange}s (Neon's {@code KeySpace}).
 * Immutable: operations return new key spaces. Every instance is normalized, so two key spaces holding the
 * same keys are {@code equals}; Neon's may keep adjacent ranges apart, which is the same set of keys.
 */
public final class KeySpace {
    private static final KeySpace EMPTY = new KeySpace(List.of());

    private final List<KeyRange> ranges;

    private KeySpace(List<KeyRange> normalized) {
        this.ranges = normalized;
    }

    public static KeySpace empty() {
        return EMPTY;
    }

    public static KeySpace single(KeyRange range) {
        return builder().add(range).build();
    }

    /** Ranges in any order, overlapping or not. */
    public static KeySpace of(KeyRange... ranges) {
        Builder b = builder();
        for (KeyRange r : ranges) {
            b.add(r);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The ranges in key order. */
    public List<KeyRange> ranges() {
        return ranges;
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** First key, if any. */
    public Optional<Key> start() {
        return ranges.isEmpty() ? Optional.empty() : Optional.of(ranges.get(0).start());
    }

    /** Exclusive end of the last range, if any. */
    public Optional<Key> end() {
        return ranges.isEmpty() ? Optional.empty() : Optional.of(ranges.get(ranges.size() - 1).end());
    }

    /**
     * Neon's {@code total_raw_size}: the sum of {@link KeyRange#rawSize()}, so a range that spans relations
     * counts as u32::MAX keys.
     */
    public long totalRawSize() {
        long total = 0;
        for (KeyRange r : ranges) {
            total += r.rawSize();
        }
        return total;
    }

    public boolean contains(Key key) {
        int i = lastStartingAtOrBefore(key, true);
        return i >= 0 && key.compareTo(ranges.get(i).end()) < 0;
    }

    /** Whether some range overlaps {@code range} in the sense of {@link KeyRange#overlaps(KeyRange)}. */
    public boolean overlaps(KeyRange range) {
        int i = lastStartingAtOrBefore(range.end(), false);
        return i >= 0 && range.start().compareTo(ranges.get(i).end()) < 0;
    }

    /** Index of the last range whose start is {@code <= key} (inclusive) or {@code < key}, or -1. */
    private int lastStartingAtOrBefore(Key key, boolean inclusive) {
        int lo = 0;
        int hi = ranges.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = ranges.get(mid).start().compareTo(key);
            if (c < 0 || (inclusive && c == 0)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * Neon's {@code partition}: cuts the key space into parts of about {@code targetSize} bytes, counting
     * {@code blockSize} bytes per page stored on {@code shard} ({@link ShardedRange#fragment}). A part is closed
     * when the next fragment would take it above the target and it holds at least one shard-local page, so every
     * part but possibly the first holds one; a range spanning relations counts as u32::MAX pages and gets a part
     * of its own.
     *
     * @throws IllegalArgumentException if {@code targetSize} is below {@code blockSize} (Neon would loop forever)
     */
    public KeyPartitioning partition(ShardIdentity shard, long targetSize, long blockSize) {
        if (blockSize <= 0 || targetSize < blockSize) {
            throw new IllegalArgumentException("partition target size " + targetSize
                    + " must be at least the block size " + blockSize);
        }
        long targetNblocks = Math.min(targetSize / blockSize, 0xFFFF_FFFFL);
        List<KeySpace> parts = new ArrayList<>();
        Builder current = builder();
        long currentSize = 0;
        boolean currentEmpty = true;
        for (KeyRange range : ranges) {
            for (ShardedRange.Fragment f : new ShardedRange(range, shard).fragment(targetNblocks)) {
                if (currentSize + f.size() > targetNblocks && currentSize > 0) {
                    parts.add(current.build());
                    current = builder();
                    currentSize = 0;
                    currentEmpty = true;
                }
                current.add(f.range());
                currentSize += f.size();
                currentEmpty = false;
            }
        }
        if (!currentEmpty) {
            parts.add(current.build());
        }
        return new KeyPartitioning(parts);
    }

    /**
     * Neon's {@code merge}: adds a key space that must not overlap this one.
     *
     * @throws IllegalArgumentException if a range of {@code other} overlaps one of this
     */
    public KeySpace merge(KeySpace other) {
        for (KeyRange r : other.ranges) {
            if (overlaps(r)) {
                throw new IllegalArgumentException("attempt to merge overlapping keyspaces: " + this + " and " + other);
            }
        }
        return union(other);
    }

    /** All keys in either key space. */
    public KeySpace union(KeySpace other) {
        return builder().addAll(this).addAll(other).build();
    }

    /** Keys in both key spaces: what Neon's {@code remove_overlapping_with} returns as removed. */
    public KeySpace intersect(KeySpace other) {
        List<KeyRange> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < ranges.size() && j < other.ranges.size()) {
            KeyRange a = ranges.get(i);
            KeyRange b = other.ranges.get(j);
            KeyRange common = a.intersect(b);
            if (!common.isEmpty()) {
                out.add(common);
            }
            if (a.end().compareTo(b.end()) <= 0) {
                i++;
            } else {
                j++;
            }
        }
        return new KeySpace(List.copyOf(out));
    }

    /** Keys of this not in {@code other}: what Neon's {@code remove_overlapping_with} leaves in self. */
    public KeySpace subtract(KeySpace other) {
        List<KeyRange> out = new ArrayList<>();
        int j = 0;
        for (KeyRange a : ranges) {
            Key cursor = a.start();
            while (j < other.ranges.size() && other.ranges.get(j).end().compareTo(cursor) <= 0) {
                j++;
            }
            int k = j;
            while (k < other.ranges.size() && other.ranges.get(k).start().compareTo(a.end()) < 0) {
                KeyRange b = other.ranges.get(k);
                if (cursor.compareTo(b.start()) < 0) {
                    out.add(new KeyRange(cursor, b.start()));
                }
                if (b.end().compareTo(cursor) > 0) {
                    cursor = b.end();
                }
                if (b.end().compareTo(a.end()) >= 0) {
                    break;
                }
                k++;
            }
            if (cursor.compareTo(a.end()) < 0) {
                out.add(new KeyRange(cursor, a.end()));
            }
        }
        return new KeySpace(List.copyOf(out));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeySpace k && ranges.equals(k.ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    /** Neon's display form {@code [START..END,START..END,]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (KeyRange r : ranges) {
            r.start().appendHex(sb);
            sb.append("..");
            r.end().appendHex(sb);
            sb.append(',');
        }
        return sb.append(']').toString();
    }

    /**
     * Collects keys and ranges in any order, overlapping or adjacent, into a normalized key space
     * (Neon's {@code KeySpaceRandomAccum}); empty ranges are dropped.
     */
    public static final class Builder {
        private final List<KeyRange> pending = new ArrayList<>();

        private Builder() {
        }

        public Builder add(KeyRange range) {
            if (!range.isEmpty()) {
                pending.add(range);
            }
            return this;
        }

        public Builder add(Key key) {
            return add(KeyRange.singleton(key));
        }

        public Builder addAll(KeySpace space) {
            pending.addAll(space.ranges);
            return this;
        }

        public KeySpace build() {
            if (pending.isEmpty()) {
                return EMPTY;
            }
            KeyRange[] sorted = pending.toArray(new KeyRange[0]);
            Arrays.sort(sorted, Comparator.comparing(KeyRange::start));
            List<KeyRange> out = new ArrayList<>();
            Key start = sorted[0].start();
            Key end = sorted[0].end();
            for (int i = 1; i < sorted.length; i++) {
                KeyRange r = sorted[i];
                if (r.start().compareTo(end) > 0) {
                    out.add(new KeyRange(start, end));
                    start = r.start();
                    end = r.end();
                } else if (r.end().compareTo(end) > 0) {
                    end = r.end();
                }
            }
            out.add(new KeyRange(start, end));
            return new KeySpace(Collections.unmodifiableList(out));
        }
    }
}
