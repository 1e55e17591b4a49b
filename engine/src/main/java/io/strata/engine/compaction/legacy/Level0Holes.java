package io.strata.engine.compaction.legacy;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.delta.DeltaEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.ToIntFunction;

/**
 * Neon's choice of the largest key holes of an L0 compaction: key ranges between consecutive keys of the input
 * that hold no values, at least {@code targetFileSize / PAGE_SZ} keys wide, ranked by how many image layers cover
 * them (their "coverage size", at least 3); the {@code maxHoles} best (one per input layer) are kept. No output L1
 * layer spans a hole, so L1s do not cover key ranges where they hold nothing (which would make image creation
 * think those ranges have many deltas). Streaming: one pass over the keys, memory for {@code maxHoles}.
 */
public final class Level0Holes {
    static final int MIN_HOLE_COVERAGE_SIZE = 3;

    private Level0Holes() {
    }

    private record Hole(KeyRange range, int coverageSize, long seq) {
    }

    /**
     * @param keys          the input's index entries in (key, lsn) order
     * @param coverageSize  the number of image layers covering a range (Neon: {@code image_coverage(range,
     *                      last_record_lsn).len()})
     * @return the holes, sorted by start key
     */
    public static List<KeyRange> find(Iterator<DeltaEntry> keys, int maxHoles, long targetFileSize,
                                      ToIntFunction<KeyRange> coverageSize) {
        long minHoleRange = targetFileSize / LayerFormat.PAGE_SZ;
        // min-heap by coverage: the smallest hole is evicted when there are more than maxHoles
        PriorityQueue<Hole> heap = new PriorityQueue<>(Comparator.comparingInt(Hole::coverageSize)
                .thenComparing(Comparator.comparingLong(Hole::seq).reversed()));
        Key prev = null;
        long seq = 0;
        while (keys.hasNext()) {
            Key next = keys.next().key();
            // metadata keys make no holes: the last hole is the gap between data and metadata keys
            if (prev != null && !prev.isMetadataKey() && prev.isI128Representable() && next.isI128Representable()
                    && distanceAtLeast(prev, next, minHoleRange)) {
                KeyRange range = new KeyRange(prev, next);
                int coverage = coverageSize.applyAsInt(range);
                if (coverage >= MIN_HOLE_COVERAGE_SIZE) {
                    heap.add(new Hole(range, coverage, seq++));
                    if (heap.size() > maxHoles) {
                        heap.poll();
                    }
                }
            }
            prev = next.next();
        }
        List<KeyRange> holes = new ArrayList<>(heap.size());
        heap.forEach(h -> holes.add(h.range()));
        holes.sort(Comparator.comparing(KeyRange::start));
        return holes;
    }

    /** {@code next.to_i128() - prev.to_i128() >= min} without 128-bit numbers ({@code min >= 0}). */
    static boolean distanceAtLeast(Key prev, Key next, long min) {
        long hp = prev.toI128Hi();
        long hn = next.toI128Hi();
        long lp = prev.toI128Lo();
        long ln = next.toI128Lo();
        if (hn == hp) {
            return Long.compareUnsigned(ln, lp) >= 0 && Long.compareUnsigned(ln - lp, min) >= 0;
        }
        if (hn == hp + 1) {
            // 2^64 + ln - lp: at least 2^64 > min when ln >= lp, else the wrapped difference
            return Long.compareUnsigned(ln, lp) >= 0 || Long.compareUnsigned(ln - lp, min) >= 0;
        }
        return hn > hp; // the high halves are below 2^63
    }
}
