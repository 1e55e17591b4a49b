package io.strata.engine.btree;

/**
 * What {@link DiskBtreeBuilder#finish()} reports: the layer summary stores {@code rootBlock} as
 * {@code index_root_blk}, and the index occupies {@code blockCount} blocks from {@code index_start_blk}.
 *
 * @param rootBlock  the root's block number relative to the first index block; always {@code blockCount - 1}
 * @param blockCount index blocks emitted, root included
 */
public record BuiltTree(int rootBlock, int blockCount) {
}
