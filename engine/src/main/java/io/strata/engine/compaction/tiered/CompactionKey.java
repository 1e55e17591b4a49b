package io.strata.engine.compaction.tiered;

import io.strata.engine.key.ShardIdentity;
import java.util.Comparator;

/**
 * Neon's {@code CompactionKey} trait as a type class: the operations compaction needs on an executor's key type
 * {@code K}. A Java type cannot carry Rust's associated constants, so one instance describes the key type; it
 * is also the keys' total order.
 *
 * @param <K> the executor's key type
 */
public interface CompactionKey<K> extends Comparator<K> {
    /** The smallest key ({@code K::MIN}). */
    K min();

    /** The largest key ({@code K::MAX}); whole-key-space ranges are {@code min()..max()}. */
    K max();

    /**
     * The number of keys in {@code keyRange} that the shard stores, as a u32 in a long: ranges larger than
     * u32::MAX keys count as u32::MAX ({@code key_range_size}).
     */
    long keyRangeSize(Range<K> keyRange, ShardIdentity shardIdentity);

    /** {@code key + 1}. */
    K next(K key);

    /** {@code key} plus some decent amount to skip, left to the implementation ({@code skip_some}). */
    K skipSome(K key);

    /** {@code min()..max()}, the range that covers every key compaction looks at. */
    default Range<K> fullRange() {
        return new Range<>(min(), max());
    }
}
