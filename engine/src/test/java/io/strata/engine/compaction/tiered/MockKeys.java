package io.strata.engine.compaction.tiered;

import io.strata.engine.key.ShardIdentity;

/** The simulator's keys: u64s in a long, ordered unsigned (Neon's {@code impl CompactionKey for u64}). */
final class MockKeys implements CompactionKey<Long> {
    static final MockKeys INSTANCE = new MockKeys();
    static final long U32_MAX = 0xFFFF_FFFFL;

    private MockKeys() {
    }

    @Override
    public int compare(Long a, Long b) {
        return Long.compareUnsigned(a, b);
    }

    @Override
    public Long min() {
        return 0L;
    }

    @Override
    public Long max() {
        return -1L; // u64::MAX
    }

    @Override
    public long keyRangeSize(Range<Long> keyRange, ShardIdentity shardIdentity) {
        long distance = keyRange.end() - keyRange.start();
        return Long.compareUnsigned(distance, U32_MAX) < 0 ? distance : U32_MAX;
    }

    @Override
    public Long next(Long key) {
        return key + 1;
    }

    @Override
    public Long skipSome(Long key) {
        return key + 100;
    }
}
