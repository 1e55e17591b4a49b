package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts a query into batches of at most N keys, in key order, so a large read is done a batch at a time. Dense
 * ranges are cut with {@link Key#add}, which steps through keys in order, so a cut after k steps holds at most k
 * keys. A range of sparse (metadata) keys cannot be counted and is read as one batch of its own, as Neon scans
 * it in one request.
 */
final class QueryBatches {
    private QueryBatches() {
    }

    static List<KeySpaceQuery> split(KeySpaceQuery query, int maxKeys) {
        if (query.isEmpty()) {
            return List.of();
        }
        if (fitsOneBatch(query.totalKeySpace(), maxKeys)) { // point lookups and small reads: nothing to cut
            return List.of(query);
        }
        List<KeySpace> chunks = chunks(query.totalKeySpace(), maxKeys);
        if (chunks.size() <= 1) {
            return query.isEmpty() ? List.of() : List.of(query);
        }
        List<KeySpaceQuery.Part> parts = query.parts();
        List<KeySpaceQuery> out = new ArrayList<>(chunks.size());
        for (KeySpace chunk : chunks) {
            List<KeySpaceQuery.Part> inChunk = new ArrayList<>(parts.size());
            for (KeySpaceQuery.Part p : parts) {
                KeySpace ks = p.keySpace().intersect(chunk);
                if (!ks.isEmpty()) {
                    inChunk.add(new KeySpaceQuery.Part(p.lsn(), ks));
                }
            }
            out.add(KeySpaceQuery.scattered(inChunk));
        }
        return out;
    }

    /** Whether {@code keys} is dense and countably at most {@code maxKeys} keys. */
    private static boolean fitsOneBatch(KeySpace keys, int maxKeys) {
        long n = 0;
        for (KeyRange r : keys.ranges()) {
            if (r.start().isSparse() || r.end().isSparse() || !r.isContiguous()) {
                return false;
            }
            n += r.rawSize();
            if (n > maxKeys) {
                return false;
            }
        }
        return true;
    }

    /** {@code keys} as consecutive key spaces of at most {@code maxKeys} keys each (sparse ranges alone). */
    static List<KeySpace> chunks(KeySpace keys, int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be positive, got " + maxKeys);
        }
        List<KeySpace> out = new ArrayList<>();
        KeySpace.Builder current = KeySpace.builder();
        long count = 0;
        KeySpace sparse = KeySpace.single(GetVectored.SPARSE_RANGE);
        for (KeyRange range : keys.ranges()) {
            KeySpace one = KeySpace.single(range);
            KeySpace sparsePart = one.intersect(sparse);
            List<KeyRange> pieces = new ArrayList<>(one.subtract(sparse).ranges());
            pieces.addAll(sparsePart.ranges());
            pieces.sort(Comparator.comparing(KeyRange::start));
            for (KeyRange r : pieces) {
                if (sparsePart.overlaps(r)) {
                    if (count > 0) {
                        out.add(current.build());
                        current = KeySpace.builder();
                        count = 0;
                    }
                    out.add(KeySpace.single(r));
                    continue;
                }
                Key s = r.start();
                while (s.compareTo(r.end()) < 0) {
                    long room = maxKeys - count;
                    Key cut = addSaturating(s, room);
                    if (cut.compareTo(r.end()) >= 0) {
                        KeyRange tail = new KeyRange(s, r.end());
                        current.add(tail);
                        count += tail.isContiguous() ? Math.min(room, tail.rawSize()) : room;
                        s = r.end();
                    } else {
                        current.add(new KeyRange(s, cut));
                        count = maxKeys;
                        s = cut;
                    }
                    if (count >= maxKeys) {
                        out.add(current.build());
                        current = KeySpace.builder();
                        count = 0;
                    }
                }
            }
        }
        if (count > 0) {
            out.add(current.build());
        }
        return out;
    }

    private static Key addSaturating(Key k, long n) {
        try {
            return k.add((int) n);
        } catch (IllegalStateException overflow) {
            return Key.MAX;
        }
    }
}
