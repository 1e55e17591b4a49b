package io.strata.engine.layer.delta;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;

/**
 * The 26-byte delta index key (FORMAT 10.2): the key's 18 bytes then the LSN big-endian, so byte order is
 * (key, lsn) order. Static helpers over caller-owned arrays: the write and scan paths allocate nothing.
 */
public final class DeltaKey {
    public static final int SIZE = Key.KEY_SIZE + Lsn.SIZE;

    private DeltaKey() {
    }

    /** Writes {@code key ‖ lsn} into {@code dst[0..26)} and returns it. */
    public static byte[] write(Key key, Lsn lsn, byte[] dst) {
        return write(key, lsn.value(), dst);
    }

    public static byte[] write(Key key, long lsn, byte[] dst) {
        key.writeTo(dst, 0);
        for (int i = 0; i < 8; i++) {
            dst[Key.KEY_SIZE + i] = (byte) (lsn >>> (56 - 8 * i));
        }
        return dst;
    }

    public static byte[] of(Key key, Lsn lsn) {
        return write(key, lsn, new byte[SIZE]);
    }

    public static Key key(byte[] deltaKey) {
        return Key.read(deltaKey, 0);
    }

    public static Lsn lsn(byte[] deltaKey) {
        return new Lsn(lsnValue(deltaKey));
    }

    public static long lsnValue(byte[] deltaKey) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (deltaKey[Key.KEY_SIZE + i] & 0xFF);
        }
        return v;
    }
}
