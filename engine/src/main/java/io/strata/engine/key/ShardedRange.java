package io.strata.engine.key;

import java.util.ArrayList;
import java.util.List;

/**
 * A key range seen from one shard ({@code ShardedRange}): only some stripes of it are stored there. Used to
 * estimate how many pages of a range a shard holds, e.g. to size partitions for image layers.
 *
 * @param range the key range
 * @param shard the shard's identity
 */
public record ShardedRange(KeyRange range, ShardIdentity shard) {

    /** Pages in the range regardless of sharding ({@link KeyRange#rawSize()}). */
    public static long rawSize(KeyRange range) {
        return range.rawSize();
    }

    /**
     * Estimated pages of the range stored on this shard ({@code page_count}), u32::MAX ("large") if the range
     * spans relations. A single-key range counts 1 unless the shard may dispose of the key.
     */
    public long pageCount() {
        Key start = range.start();
        if (!start.equals(Key.MAX) && range.end().equals(start.add(1))) {
            return shard.isKeyDisposable(start) ? 0 : 1;
        }
        if (!range.isContiguous()) {
            return 0xFFFF_FFFFL;
        }
        if (shard.count() < 2) {
            return range.contiguousLength();
        }
        long result = 0;
        Key cursor = start;
        while (cursor.compareTo(range.end()) < 0) {
            int advanceBy = distanceToNextBoundary(cursor);
            if (!shard.isKeyDisposable(cursor)) {
                result += Integer.toUnsignedLong(advanceBy);
            }
            cursor = cursor.add(advanceBy);
        }
        return Math.min(result, 0xFFFF_FFFFL);
    }

    /**
     * A part of the range and the pages of it this shard stores (u32::MAX: "large", a range spanning relations).
     *
     * @param size  pages on this shard
     * @param range the keys
     */
    public record Fragment(long size, KeyRange range) {
    }

    /**
     * Neon's {@code fragment}: cuts the range into consecutive fragments of at most {@code targetNblocks} pages on
     * this shard each, every one holding at least one shard-local page if the range holds any (stripes this shard
     * does not store are merged into their neighbours). A single key, or a range that is not
     * {@linkplain KeyRange#isContiguous() contiguous}, is one fragment.
     *
     * @param targetNblocks pages per fragment, 1 to u32::MAX
     */
    public List<Fragment> fragment(long targetNblocks) {
        if (targetNblocks < 1 || targetNblocks > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("targetNblocks must be 1..u32::MAX, got " + targetNblocks);
        }
        Key start = range.start();
        if (!start.equals(Key.MAX) && range.end().equals(start.add(1))) {
            return List.of(new Fragment(shard.isKeyDisposable(start) ? 0 : 1, range));
        }
        if (!range.isContiguous()) {
            // spans relations: not cut (such ranges come from existing layers, trusted to be small)
            return List.of(new Fragment(0xFFFF_FFFFL, range));
        }
        List<Fragment> fragments = new ArrayList<>();
        Key cursor = start;
        while (cursor.compareTo(range.end()) < 0) {
            long toBoundary = Integer.toUnsignedLong(distanceToNextBoundary(cursor));
            boolean disposable = shard.isKeyDisposable(cursor);
            Fragment last = fragments.isEmpty() ? null : fragments.get(fragments.size() - 1);
            long want;
            boolean mergeIntoLast;
            if (last != null && last.size() < targetNblocks) {
                want = targetNblocks - last.size(); // complete the undersized previous fragment
                mergeIntoLast = true;
            } else {
                want = targetNblocks;
                mergeIntoLast = last != null && disposable; // nothing local here: extend the previous one
            }
            long advanceBy = disposable ? toBoundary : Math.min(toBoundary, want);
            Key next = cursor.add((int) advanceBy);
            long size = disposable ? 0 : advanceBy;
            if (mergeIntoLast) {
                fragments.set(fragments.size() - 1, new Fragment(last.size() + size,
                        new KeyRange(last.range().start(), next)));
            } else {
                fragments.add(new Fragment(size, new KeyRange(cursor, next)));
            }
            cursor = next;
        }
        return fragments;
    }

    /** Pages from {@code cursor} to the next stripe boundary or the range end, whichever is first. */
    private int distanceToNextBoundary(Key cursor) {
        long toEnd = new KeyRange(cursor, range.end()).contiguousLength();
        if (shard.count() < 2) {
            return (int) toEnd;
        }
        if (cursor.field6() == -1) {
            return 1; // from one fork's size slot to the next fork's first block
        }
        int stripe = shard.stripeSize();
        int stripeIndex = Integer.divideUnsigned(cursor.field6(), stripe);
        long remainder = Integer.toUnsignedLong(stripe - (cursor.field6() - stripeIndex * stripe));
        return (int) Math.min(remainder, toEnd);
    }
}
