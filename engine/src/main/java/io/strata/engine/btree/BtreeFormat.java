package io.strata.engine.btree;

import java.util.HexFormat;

/** The constants of FORMAT.md 7.1 in one place, so builder and reader cannot disagree. */
public final class BtreeFormat {
    /** One node is one block of the layer file. */
    public static final int PAGE_SIZE = 8192;
    /** {@code u16 num_children, u8 level, u8 prefix_len, u8 suffix_len}. */
    public static final int HEADER_SIZE = 5;
    /** Bytes per value slot, leaf or internal. */
    public static final int VALUE_SIZE = 5;
    /** Largest leaf value: 5 bytes with the top bit clear (the bit marks child pointers). */
    public static final long MAX_VALUE = 0x7F_FFFF_FFFFL;
    /** First byte of an internal node's value; the other four are the child's block relative to the index start. */
    public static final int CHILD_TAG = 0x80;
    /** Keys are at most 255 bytes: prefix_len and suffix_len are u8. */
    public static final int MAX_KEY_LEN = 255;

    private static final HexFormat HEX = HexFormat.of();

    private BtreeFormat() {
    }

    static void checkKeyLen(int keyLen) {
        if (keyLen < 1 || keyLen > MAX_KEY_LEN) {
            throw new IllegalArgumentException("B-tree key length must be in [1, " + MAX_KEY_LEN + "], got " + keyLen);
        }
    }

    static void checkKey(byte[] key, int keyLen) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.length != keyLen) {
            throw new IllegalArgumentException("key " + hex(key) + " has " + key.length + " bytes, this B-tree's keys have "
                    + keyLen);
        }
    }

    /** Lower-case hex, for error messages and toString. */
    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
