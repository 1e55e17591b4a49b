package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import java.util.List;
import java.util.Objects;

/**
 * The values of one key accumulated by {@link CompactionHelpers#accumKeyValues} (Neon's {@code KeySize}).
 *
 * @param key           the key
 * @param numValues     entries of the key
 * @param size          their total size in bytes
 * @param partitionLsns where to split the key's history by LSN so that each part stays within the target size;
 *                      empty if all of it fits in one layer
 * @param <K>           key type
 */
public record KeySize<K>(K key, long numValues, long size, List<Partition> partitionLsns) {
    public KeySize {
        Objects.requireNonNull(key, "key");
        partitionLsns = List.copyOf(partitionLsns);
    }

    /**
     * A split point in one key's history.
     *
     * @param lsn        the first LSN of the next part
     * @param sizeBefore bytes of the part that ends before {@code lsn}
     */
    public record Partition(Lsn lsn, long sizeBefore) {
    }
}
