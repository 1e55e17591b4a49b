package io.strata.engine.key;

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
