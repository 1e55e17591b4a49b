package io.strata.engine.btree;

/**
 * A node that cannot be part of a valid tree (bad header, level, child pointer). Always names the absolute
 * block, so a damaged layer file can be identified; raised instead of looping or allocating without bound.
 */
public final class BtreeCorruptionException extends RuntimeException {
    private final long block;

    public BtreeCorruptionException(long block, String message) {
        super("corrupt B-tree node at block " + block + ": " + message);
        this.block = block;
    }

    /** The absolute file block of the bad node. */
    public long block() {
        return block;
    }
}
