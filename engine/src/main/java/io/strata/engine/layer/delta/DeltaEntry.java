package io.strata.engine.layer.delta;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;

/**
 * One index entry of a delta layer as Neon's {@code load_keys} returns it (compaction plans with these).
 *
 * @param size bytes of the blob's extent: the distance to the next blob, for the last one to the index start
 *             (so it includes the block padding, FORMAT 10.5)
 */
public record DeltaEntry(Key key, Lsn lsn, BlobRef blobRef, long size) {
}
