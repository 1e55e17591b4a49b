package io.strata.engine.compaction.tiered;

import io.strata.engine.key.ShardIdentity;
import java.util.List;

/**
 * Sliding window through the key space that decides where image layers are cut (Neon's {@code KeyspaceWindow}):
 * each image covers about {@code targetKeysize} keys of the key space, and the last stretches to the end of
 * the range.
 *
 * @param <K> key type
 */
final class KeyspaceWindow<K> {
    /** A cursor: keys before {@code endKey} are accounted for, {@code accumKeysize} of them in the key space. */
    private static final class Pos<K> {
        K endKey;
        int keyspaceIdx;
        long accumKeysize;

        Pos(K endKey, int keyspaceIdx, long accumKeysize) {
            this.endKey = endKey;
            this.keyspaceIdx = keyspaceIdx;
            this.accumKeysize = accumKeysize;
        }

        Pos<K> copy() {
            return new Pos<>(endKey, keyspaceIdx, accumKeysize);
        }
    }

    private final CompactionKey<K> keys;
    private final ShardIdentity shardIdentity;
    private final Range<K> keyRange;
    private final List<Range<K>> keyspace;
    private final long targetKeysize;
    private Pos<K> startPos;

    KeyspaceWindow(Range<K> keyRange, List<Range<K>> keyspace, long targetKeysize, CompactionKey<K> keys,
                   ShardIdentity shardIdentity) {
        if (!keyspace.isEmpty() && keys.compare(keyspace.get(0).start(), keyRange.start()) < 0) {
            throw new IllegalArgumentException("key space " + keyspace + " starts before " + keyRange);
        }
        this.keys = keys;
        this.shardIdentity = shardIdentity;
        this.keyRange = keyRange;
        this.keyspace = List.copyOf(keyspace);
        // At least one key per image, or a target below one page would never advance.
        this.targetKeysize = Math.max(1, targetKeysize);
        this.startPos = new Pos<>(keyRange.start(), 0, 0);
    }

    private boolean reachedEnd(Pos<K> pos) {
        return pos.keyspaceIdx == keyspace.size();
    }

    /** Advances the cursor until it has accounted for {@code maxSize} keys or reached the end. */
    private void advanceUntilSize(Pos<K> pos, long maxSize) {
        while (pos.accumKeysize < maxSize && !reachedEnd(pos)) {
            Range<K> currRange = keyspace.get(pos.keyspaceIdx);
            if (keys.compare(pos.endKey, currRange.start()) < 0) {
                pos.endKey = currRange.start(); // skip keys outside the key space
            }
            long distance = keys.keyRangeSize(new Range<>(pos.endKey, currRange.end()), shardIdentity);
            if (pos.accumKeysize + distance < maxSize) {
                pos.endKey = currRange.end();
                pos.keyspaceIdx++;
                pos.accumKeysize += distance;
            } else {
                // Advance within the range: by a stride if that fits, else by one key.
                K skipKey = keys.skipSome(pos.endKey);
                long skipDistance = keys.keyRangeSize(new Range<>(pos.endKey, skipKey), shardIdentity);
                if (pos.accumKeysize + skipDistance < maxSize) {
                    pos.endKey = skipKey;
                    pos.accumKeysize += skipDistance;
                } else {
                    pos.endKey = keys.next(pos.endKey);
                    pos.accumKeysize += 1;
                }
            }
        }
    }

    /** The key range of the next image layer, or null once the key space is covered. */
    Range<K> chooseNextImage() {
        if (reachedEnd(startPos)) {
            return null;
        }
        Pos<K> nextPos = startPos.copy();
        advanceUntilSize(nextPos, startPos.accumKeysize + targetKeysize);

        // If stretching the layer up to 1.25x the target reaches the end, take the rest of the key space too.
        Pos<K> endPos = nextPos.copy();
        advanceUntilSize(endPos, startPos.accumKeysize + targetKeysize * 5 / 4);
        if (reachedEnd(endPos)) {
            if (keys.compare(endPos.endKey, keyRange.end()) > 0) {
                throw new IllegalStateException("image window passed the end of " + keyRange + ": " + endPos.endKey);
            }
            endPos.endKey = keyRange.end(); // and the unused keys up to the end of the range
            nextPos = endPos;
        }
        K startKey = startPos.endKey;
        startPos = nextPos;
        return new Range<>(startKey, startPos.endKey);
    }
}
