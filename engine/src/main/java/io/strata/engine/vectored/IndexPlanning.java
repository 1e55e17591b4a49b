package io.strata.engine.vectored;

import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.key.Key;

/** What the index planners share: layer geometry (FORMAT 8) and the BlobRef encoding of delta values (10.2). */
final class IndexPlanning {
    /** Bytes per layer block. */
    static final long PAGE_SIZE = 8192;
    static final int DELTA_KEY_SIZE = Key.KEY_SIZE + 8;

    private IndexPlanning() {
    }

    /** Where the values region ends: the index's first block, the end of the last blob (with padding). */
    static long valuesEnd(long indexStartBlk) {
        if (indexStartBlk < 1 || indexStartBlk > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("index_start_blk must be a u32 >= 1, got " + indexStartBlk);
        }
        return indexStartBlk * PAGE_SIZE;
    }

    static void checkKeyLen(DiskBtreeReader index, int expected, String kind) {
        if (index.keyLen() != expected) {
            throw new IllegalArgumentException(kind + " index must have " + expected + "-byte keys, got "
                    + index.keyLen());
        }
    }

    static long blobRefPos(long value) {
        return value >>> 1;
    }

    static boolean blobRefWillInit(long value) {
        return (value & 1) != 0;
    }

    /** The u64 LSN stored big-endian after the key in a 26-byte delta index key. */
    static long deltaLsn(byte[] deltaKey) {
        long v = 0;
        for (int i = Key.KEY_SIZE; i < DELTA_KEY_SIZE; i++) {
            v = (v << 8) | (deltaKey[i] & 0xFF);
        }
        return v;
    }

    /** {@code key ‖ lsn} as a 26-byte delta index key. */
    static byte[] deltaKey(Key key, long lsn) {
        byte[] out = new byte[DELTA_KEY_SIZE];
        key.writeTo(out, 0);
        for (int i = DELTA_KEY_SIZE - 1; i >= Key.KEY_SIZE; i--) {
            out[i] = (byte) lsn;
            lsn >>>= 8;
        }
        return out;
    }

    /**
     * Decodes the key part of streamed index keys, re-using the previous {@link Key} while consecutive entries
     * share it (delta indexes hold many LSNs per key). One per subscription.
     */
    static final class KeyDecoder {
        private final byte[] last = new byte[Key.KEY_SIZE];
        private Key key;
        private boolean changed;

        /** The key in the first 18 bytes of {@code raw}; {@link #changed()} tells whether it differs from before. */
        Key decode(byte[] raw) {
            if (key == null || Key.compareEncoded(raw, 0, last, 0) != 0) {
                System.arraycopy(raw, 0, last, 0, Key.KEY_SIZE);
                key = Key.read(raw, 0);
                changed = true;
            } else {
                changed = false;
            }
            return key;
        }

        boolean changed() {
            return changed;
        }
    }
}
