package io.strata.engine.btree;

import static io.strata.engine.btree.BtreeFormat.HEADER_SIZE;
import static io.strata.engine.btree.BtreeFormat.PAGE_SIZE;
import static io.strata.engine.btree.BtreeFormat.VALUE_SIZE;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The node the builder is still appending to on one level (FORMAT 7.2 "open node"). It mirrors Neon's
 * {@code BuildNode} step for step, because node boundaries (and so the file bytes) depend on exactly when a push
 * fails and when the prefix is compressed.
 */
final class BuildNode {
    final int level;
    private final byte[] prefix;
    private int prefixLen;
    private int suffixLen;
    /** Packed suffixes; a node never holds more than a page of them. */
    private final byte[] suffixes = new byte[PAGE_SIZE];
    private final byte[] values = new byte[PAGE_SIZE];
    private int count;
    /** The node's serialized size if it were written now. */
    private int size = HEADER_SIZE;

    BuildNode(int level, int keyLen) {
        this.level = level;
        this.prefix = new byte[keyLen];
    }

    int count() {
        return count;
    }

    /** Appends the entry unless the key lacks the node's prefix or the node would reach 8192 bytes. */
    boolean push(byte[] key, byte[] value5) {
        if (count > 0) {
            if (!Arrays.equals(key, 0, prefixLen, prefix, 0, prefixLen)) {
                return false;
            }
        } else {
            suffixLen = key.length;
        }
        if (size + suffixLen + VALUE_SIZE >= PAGE_SIZE) {
            return false;
        }
        System.arraycopy(key, prefixLen, suffixes, count * suffixLen, suffixLen);
        System.arraycopy(value5, 0, values, count * VALUE_SIZE, VALUE_SIZE);
        count++;
        size += suffixLen + VALUE_SIZE;
        return true;
    }

    /**
     * Moves the common prefix of the first and last suffix into the node prefix. Fails when they share no byte,
     * which, keys being sorted, is always the case once a node has been compressed.
     */
    boolean compress() {
        int lastOff = (count - 1) * suffixLen;
        int p = 0;
        while (p < suffixLen && suffixes[p] == suffixes[lastOff + p]) {
            p++;
        }
        if (p == 0) {
            return false;
        }
        System.arraycopy(suffixes, 0, prefix, prefixLen, p);
        prefixLen += p;
        int newLen = suffixLen - p;
        for (int i = 0; i < count; i++) {
            System.arraycopy(suffixes, i * suffixLen + p, suffixes, i * newLen, newLen);
        }
        suffixLen = newLen;
        size = size - p * count + p;
        return true;
    }

    /** The full first key: the downlink key the parent stores for this node. */
    byte[] firstKey() {
        byte[] key = new byte[prefix.length];
        System.arraycopy(prefix, 0, key, 0, prefixLen);
        System.arraycopy(suffixes, 0, key, prefixLen, suffixLen);
        return key;
    }

    /** The node as one zero-padded page (a fresh buffer, position 0, limit 8192). */
    ByteBuffer pack() {
        if (count == 0) {
            throw new IllegalStateException("cannot write an empty B-tree node");
        }
        ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
        page.putShort((short) count);
        page.put((byte) level);
        page.put((byte) prefixLen);
        page.put((byte) suffixLen);
        page.put(prefix, 0, prefixLen);
        page.put(suffixes, 0, count * suffixLen);
        page.put(values, 0, count * VALUE_SIZE);
        if (page.position() != size) {
            throw new AssertionError("node size " + page.position() + " != tracked size " + size);
        }
        return page.clear();
    }
}
