package io.strata.engine.vectored;

/**
 * What {@link VectoredReadPlanner} does with one index entry (Neon's {@code BlobFlag}). Every entry, whatever
 * its flag, still ends the previous entry's blob: that is how the planner learns blob ends.
 */
public enum BlobFlag {
    /** Read the blob, after the ones already planned for its key. */
    NONE,
    /** Do not read the blob (other shard, outside the LSN range, already cached). */
    IGNORE,
    /** The blob initialises its key (an image or a will_init record): drop the key's earlier blobs, read this one. */
    REPLACE_ALL
}
