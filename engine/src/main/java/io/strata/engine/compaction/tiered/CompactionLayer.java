package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;

/**
 * What compaction needs to know of every layer, image or delta, local or remote (Neon's {@code CompactionLayer}).
 *
 * @param <K> the executor's key type
 */
public interface CompactionLayer<K> {
    Range<K> keyRange();

    Range<Lsn> lsnRange();

    /** Size of the layer file in bytes. */
    long fileSize();

    /** Short human-readable name for logs, e.g. the file name. */
    String shortId();

    boolean isDelta();
}
