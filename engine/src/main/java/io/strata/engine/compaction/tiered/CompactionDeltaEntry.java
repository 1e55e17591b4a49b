package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;

/**
 * One entry of a delta layer's index: a value at (key, LSN) and its stored size (Neon's
 * {@code CompactionDeltaEntry}).
 *
 * @param <K> the executor's key type
 */
public interface CompactionDeltaEntry<K> {
    K key();

    Lsn lsn();

    /** Bytes the value takes in the layer file. */
    long size();
}
