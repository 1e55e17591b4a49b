package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.key.ShardedRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Neon's {@code impl CompactionKey for Key}: Strata's page keys, sized by the pages a shard stores
 * ({@link ShardedRange#pageCount()}), skipping 128 keys at a time. Also converts between compaction's generic
 * ranges and Strata's {@link KeyRange} and {@link KeySpace}.
 */
public final class PageCompactionKey implements CompactionKey<Key> {
    public static final PageCompactionKey INSTANCE = new PageCompactionKey();

    /** Keys {@link #skipSome} advances by. */
    static final int SKIP = 128;

    private PageCompactionKey() {
    }

    @Override
    public int compare(Key a, Key b) {
        return a.compareTo(b);
    }

    @Override
    public Key min() {
        return Key.MIN;
    }

    @Override
    public Key max() {
        return Key.MAX;
    }

    @Override
    public long keyRangeSize(Range<Key> keyRange, ShardIdentity shardIdentity) {
        return new ShardedRange(toKeyRange(keyRange), shardIdentity).pageCount();
    }

    @Override
    public Key next(Key key) {
        return key.next();
    }

    @Override
    public Key skipSome(Key key) {
        return key.add(SKIP);
    }

    public static Range<Key> fromKeyRange(KeyRange range) {
        return new Range<>(range.start(), range.end());
    }

    public static KeyRange toKeyRange(Range<Key> range) {
        return new KeyRange(range.start(), range.end());
    }

    /** A key space as compaction's sorted, disjoint list of ranges ({@code CompactionKeySpace<Key>}). */
    public static List<Range<Key>> fromKeySpace(KeySpace keySpace) {
        List<Range<Key>> out = new ArrayList<>(keySpace.ranges().size());
        for (KeyRange r : keySpace.ranges()) {
            out.add(fromKeyRange(r));
        }
        return out;
    }
}
