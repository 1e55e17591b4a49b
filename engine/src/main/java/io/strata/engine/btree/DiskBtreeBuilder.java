package io.strata.engine.btree;

import static io.strata.engine.btree.BtreeFormat.CHILD_TAG;
import static io.strata.engine.btree.BtreeFormat.MAX_VALUE;
import static io.strata.engine.btree.BtreeFormat.hex;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Bulk-builds Neon's disk B-tree (FORMAT 7.2) from strictly increasing keys, producing byte-identical nodes.
 *
 * <p>Only the open node of each level is held (a few pages); every finished node goes to the block sink as soon
 * as it is closed, in file order: the sink's n-th block belongs at {@code index_start_blk + n}. Child pointers
 * in internal nodes are relative to the first index block (FORMAT 7.1), so the builder does not need to know
 * where the index will start: the layer writer learns {@code index_start_blk} only after the last value.
 *
 * <p>Each emitted {@link ByteBuffer} is a fresh 8192-byte heap buffer (position 0, limit 8192) that the sink
 * owns; it may keep it (the layer writer must, since the index follows values still being written) or copy it.
 * Not thread-safe.
 */
public final class DiskBtreeBuilder {
    private final int keyLen;
    private final Consumer<ByteBuffer> sink;
    /** Open nodes, root side first, leaf last; never empty until {@link #finish()}. */
    private final ArrayList<BuildNode> stack = new ArrayList<>();
    private final byte[] lastKey;
    private final byte[] valueBytes = new byte[BtreeFormat.VALUE_SIZE];
    private boolean hasLastKey;
    private int blocksWritten;
    private boolean finished;

    /**
     * @param keyLen bytes per key (18 for image layers, 26 for delta layers)
     * @param sink   receives every finished node, in block order
     */
    public DiskBtreeBuilder(int keyLen, Consumer<ByteBuffer> sink) {
        BtreeFormat.checkKeyLen(keyLen);
        this.keyLen = keyLen;
        this.sink = Objects.requireNonNull(sink, "sink");
        this.lastKey = new byte[keyLen];
        stack.add(new BuildNode(0, keyLen));
    }

    public int keyLen() {
        return keyLen;
    }

    /** Blocks handed to the sink so far. */
    public int blocksWritten() {
        return blocksWritten;
    }

    /**
     * Adds one entry. The key is copied; it must be greater than the previous key.
     *
     * @throws IllegalArgumentException for a key of the wrong length, a key not above the previous one (naming
     *                                  both), or a value outside {@code [0, MAX_VALUE]}
     */
    public void append(byte[] key, long value) {
        checkOpen();
        BtreeFormat.checkKey(key, keyLen);
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("B-tree value " + Long.toUnsignedString(value) + " for key " + hex(key)
                    + " exceeds the maximum " + MAX_VALUE);
        }
        if (hasLastKey && Arrays.compareUnsigned(key, lastKey) <= 0) {
            throw new IllegalArgumentException("unsorted B-tree input: key " + hex(key) + " is <= last key "
                    + hex(lastKey));
        }
        System.arraycopy(key, 0, lastKey, 0, keyLen);
        hasLastKey = true;
        valueBytes[0] = (byte) (value >>> 32);
        valueBytes[1] = (byte) (value >>> 24);
        valueBytes[2] = (byte) (value >>> 16);
        valueBytes[3] = (byte) (value >>> 8);
        valueBytes[4] = (byte) value;
        insert(key, valueBytes);
    }

    /**
     * Closes every open node, emits the root as the last block and reports where it is.
     *
     * @throws IllegalStateException when nothing was appended (Neon cannot finish an empty tree either)
     */
    public BuiltTree finish() {
        checkOpen();
        if (!hasLastKey) {
            throw new IllegalStateException("cannot finish an empty B-tree: a layer index holds at least one entry");
        }
        finished = true;
        while (stack.size() > 1) {
            flushTop();
        }
        int root = emit(stack.remove(0));
        return new BuiltTree(root, blocksWritten);
    }

    /** FORMAT 7.2 insert: into the top node, else after compressing it, else into a fresh node after a flush. */
    private void insert(byte[] key, byte[] value5) {
        BuildNode top = stack.get(stack.size() - 1);
        if (top.push(key, value5)) {
            return;
        }
        if (top.compress() && top.push(key, value5)) {
            return;
        }
        flushTop();
        BuildNode fresh = new BuildNode(top.level, keyLen);
        if (!fresh.push(key, value5)) {
            throw new IllegalStateException("entry of key " + hex(key) + " does not fit an empty node");
        }
        stack.add(fresh);
    }

    /** Writes the top node and inserts its downlink into its parent, growing a new root if it had none. */
    private void flushTop() {
        BuildNode node = stack.remove(stack.size() - 1);
        int block = emit(node);
        byte[] downlinkKey = node.firstKey();
        if (stack.isEmpty()) {
            stack.add(new BuildNode(node.level + 1, keyLen));
        }
        byte[] pointer = {(byte) CHILD_TAG, (byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8),
                (byte) block};
        insert(downlinkKey, pointer);
    }

    private int emit(BuildNode node) {
        ByteBuffer page = node.pack();
        int block = blocksWritten++;
        sink.accept(page);
        return block;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("B-tree builder already finished");
        }
    }
}
