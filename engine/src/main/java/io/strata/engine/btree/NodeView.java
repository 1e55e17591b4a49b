package io.strata.engine.btree;

import static io.strata.engine.btree.BtreeFormat.CHILD_TAG;
import static io.strata.engine.btree.BtreeFormat.HEADER_SIZE;
import static io.strata.engine.btree.BtreeFormat.PAGE_SIZE;
import static io.strata.engine.btree.BtreeFormat.VALUE_SIZE;
import static java.nio.ByteOrder.BIG_ENDIAN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.agrona.DirectBuffer;

/**
 * A reusable, validating view of one node (FORMAT 7.1) in a page buffer: header fields plus offset arithmetic,
 * so keys are compared in place and never materialized. Validation happens in {@link #decode}, before any offset
 * is trusted, so a corrupt page cannot make a read run past the page.
 */
final class NodeView {
    /** Expected level meaning "whatever the root says". */
    static final int ANY_LEVEL = -1;

    private static final VarHandle BE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, BIG_ENDIAN);

    private DirectBuffer buf;
    private long block;
    int count;
    int level;
    int prefixLen;
    int suffixLen;
    private int suffixOff;
    private int valueOff;

    /**
     * Points this view at {@code buf} (the node at absolute {@code block}) and checks its header.
     *
     * @param expectedLevel the parent's level minus one, or {@link #ANY_LEVEL} for the root. Requiring levels to
     *                      fall by one per step bounds every descent, so a cyclic pointer cannot loop forever.
     */
    NodeView decode(DirectBuffer buf, long block, int keyLen, int expectedLevel) {
        if (buf.capacity() < PAGE_SIZE) {
            throw new BtreeCorruptionException(block, "block buffer has " + buf.capacity() + " bytes, expected "
                    + PAGE_SIZE);
        }
        this.buf = buf;
        this.block = block;
        count = buf.getShort(0, BIG_ENDIAN) & 0xFFFF;
        level = buf.getByte(2) & 0xFF;
        prefixLen = buf.getByte(3) & 0xFF;
        suffixLen = buf.getByte(4) & 0xFF;
        if (count == 0) {
            throw new BtreeCorruptionException(block, "num_children is 0");
        }
        if (expectedLevel != ANY_LEVEL && level != expectedLevel) {
            throw new BtreeCorruptionException(block, "level " + level + ", expected " + expectedLevel
                    + " (one below its parent)");
        }
        if (prefixLen + suffixLen != keyLen) {
            throw new BtreeCorruptionException(block, "prefix_len " + prefixLen + " + suffix_len " + suffixLen
                    + " != key length " + keyLen);
        }
        long used = HEADER_SIZE + prefixLen + (long) count * (suffixLen + VALUE_SIZE);
        if (used > PAGE_SIZE) {
            throw new BtreeCorruptionException(block, count + " entries of " + (suffixLen + VALUE_SIZE)
                    + " bytes need " + used + " bytes, more than a block");
        }
        suffixOff = HEADER_SIZE + prefixLen;
        valueOff = suffixOff + count * suffixLen;
        return this;
    }

    long block() {
        return block;
    }

    boolean isLeaf() {
        return level == 0;
    }

    /**
     * Binary search over the full keys, like {@link java.util.Arrays#binarySearch}: the index of an equal key,
     * else {@code -(insertion point) - 1}. The prefix is compared once; then only suffixes.
     */
    int search(byte[] key) {
        int c = compareRange(HEADER_SIZE, key, 0, prefixLen);
        if (c != 0) {
            return c < 0 ? -count - 1 : -1;
        }
        int low = 0;
        int high = count - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int cmp = compareRange(suffixOff + mid * suffixLen, key, prefixLen, suffixLen);
            if (cmp < 0) {
                low = mid + 1;
            } else if (cmp > 0) {
                high = mid - 1;
            } else {
                return mid;
            }
        }
        return -low - 1;
    }

    /** Unsigned comparison of entry {@code i}'s full key with {@code key}. */
    int compareKey(int i, byte[] key) {
        int c = compareRange(HEADER_SIZE, key, 0, prefixLen);
        return c != 0 ? c : compareRange(suffixOff + i * suffixLen, key, prefixLen, suffixLen);
    }

    void copyKey(int i, byte[] dst, int dstOff) {
        buf.getBytes(HEADER_SIZE, dst, dstOff, prefixLen);
        buf.getBytes(suffixOff + i * suffixLen, dst, dstOff + prefixLen, suffixLen);
    }

    byte keyByte(int i, int pos) {
        return pos < prefixLen ? buf.getByte(HEADER_SIZE + pos) : buf.getByte(suffixOff + i * suffixLen + pos - prefixLen);
    }

    /** The 40-bit value of entry {@code i} as stored (leaf value, or tag and child block in internal nodes). */
    long rawValue(int i) {
        int off = valueOff + i * VALUE_SIZE;
        return ((long) (buf.getByte(off) & 0xFF) << 32) | (buf.getInt(off + 1, BIG_ENDIAN) & 0xFFFF_FFFFL);
    }

    /**
     * The child block of internal entry {@code i}, relative to the index start, checked to lie inside the index:
     * before the root, which is always the last index block.
     */
    long child(int i, long rootBlock) {
        int off = valueOff + i * VALUE_SIZE;
        int tag = buf.getByte(off) & 0xFF;
        if (tag != CHILD_TAG) {
            throw new BtreeCorruptionException(block, "internal entry " + i + " has value tag 0x"
                    + Integer.toHexString(tag) + ", expected 0x80");
        }
        long child = buf.getInt(off + 1, BIG_ENDIAN) & 0xFFFF_FFFFL;
        if (child >= rootBlock) {
            throw new BtreeCorruptionException(block, "internal entry " + i + " points at relative block " + child
                    + ", past the index (root, the last index block, is " + rootBlock + ")");
        }
        return child;
    }

    /** Unsigned lexicographic comparison, eight bytes at a time: the inner loop of every lookup. */
    private int compareRange(int off, byte[] key, int keyOff, int len) {
        int j = 0;
        for (; j + Long.BYTES <= len; j += Long.BYTES) {
            long a = buf.getLong(off + j, BIG_ENDIAN);
            long b = (long) BE_LONG.get(key, keyOff + j);
            if (a != b) {
                return Long.compareUnsigned(a, b);
            }
        }
        for (; j < len; j++) {
            int a = buf.getByte(off + j) & 0xFF;
            int b = key[keyOff + j] & 0xFF;
            if (a != b) {
                return a - b;
            }
        }
        return 0;
    }
}
