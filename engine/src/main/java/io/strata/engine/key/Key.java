package io.strata.engine.key;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Neon's pageserver {@code Key}: six unsigned fields (u8, u32, u32, u32, u8, u32) that address every page
 * and metadata value of a timeline (FORMAT 3). Immutable; ordered field by field as unsigned integers, which
 * equals the unsigned byte order of the 18-byte big-endian encoding used in summaries and B-tree keys.
 *
 * <p>The u32 fields are held in {@code int}s with the same bits; read them with
 * {@link Integer#toUnsignedLong(int)}. field1 and field5 are held as 0..255.
 */
public final class Key implements Comparable<Key> {
    /** Bytes of the storage encoding. */
    public static final int KEY_SIZE = 18;
    /** Bytes of the compact (i128) metadata-key form. */
    public static final int METADATA_KEY_SIZE = 16;
    /** Characters of the hex text form. */
    public static final int HEX_LENGTH = 36;

    /** First field1 of the metadata ("sparse") key space. */
    public static final int METADATA_KEY_BEGIN_PREFIX = 0x60;
    /** Exclusive end field1 of the metadata key space. */
    public static final int METADATA_KEY_END_PREFIX = 0x7F;
    /** Sparse prefix of relation sizes, the only sparse prefix branches inherit. */
    public static final int RELATION_SIZE_PREFIX = 0x61;
    /** Sparse prefix of AUX file keys. */
    public static final int AUX_KEY_PREFIX = 0x62;
    /** Sparse prefix of replication-origin keys. */
    public static final int REPL_ORIGIN_KEY_PREFIX = 0x63;
    /** Sparse prefix of database-directory keys. */
    public static final int DB_DIR_KEY_PREFIX = 0x64;
    /** Sparse prefix of the per-relation directory ("rel tag") keys. */
    public static final int REL_DIR_KEY_PREFIX = 0x65;

    /** PostgreSQL fork numbers that matter for key predicates and sharding. */
    public static final int FSM_FORKNUM = 1;
    public static final int VISIBILITYMAP_FORKNUM = 2;
    public static final int INIT_FORKNUM = 3;

    public static final Key MIN = new Key(0, 0, 0, 0, 0, 0);
    public static final Key MAX = new Key(0xFF, -1, -1, -1, 0xFF, -1);
    /** The dense database directory key (all zero). */
    public static final Key DBDIR_KEY = MIN;
    public static final Key TWOPHASEDIR_KEY = new Key(0x02, 0, 0, 0, 0, 0);
    public static final Key CONTROLFILE_KEY = new Key(0x03, 0, 0, 0, 0, 0);
    public static final Key CHECKPOINT_KEY = new Key(0x03, 0, 0, 0, 0, 1);
    /** Legacy (v1) AUX files key; not inherited by branches. */
    public static final Key AUX_FILES_KEY = new Key(0x03, 0, 0, 0, 0, 2);

    /** Orders 18-byte encoded keys as unsigned bytes (== key order); arrays must hold exactly one key. */
    public static final Comparator<byte[]> ENCODED_ORDER = (a, b) -> compareEncoded(a, 0, b, 0);

    private final int field1;
    private final int field2;
    private final int field3;
    private final int field4;
    private final int field5;
    private final int field6;

    /**
     * @param field1 u8 (0..255)
     * @param field2 u32 bits
     * @param field3 u32 bits
     * @param field4 u32 bits
     * @param field5 u8 (0..255)
     * @param field6 u32 bits
     */
    public Key(int field1, int field2, int field3, int field4, int field5, int field6) {
        if ((field1 & ~0xFF) != 0 || (field5 & ~0xFF) != 0) {
            throw new IllegalArgumentException(
                    "field1 and field5 are u8, got field1=" + field1 + " field5=" + field5);
        }
        this.field1 = field1;
        this.field2 = field2;
        this.field3 = field3;
        this.field4 = field4;
        this.field5 = field5;
        this.field6 = field6;
    }

    public int field1() {
        return field1;
    }

    public int field2() {
        return field2;
    }

    public int field3() {
        return field3;
    }

    public int field4() {
        return field4;
    }

    public int field5() {
        return field5;
    }

    public int field6() {
        return field6;
    }

    // ---------------------------------------------------------------- 18-byte encoding

    /** Writes the 18-byte big-endian encoding at {@code off}. */
    public void writeTo(byte[] dst, int off) {
        dst[off] = (byte) field1;
        putInt(dst, off + 1, field2);
        putInt(dst, off + 5, field3);
        putInt(dst, off + 9, field4);
        dst[off + 13] = (byte) field5;
        putInt(dst, off + 14, field6);
    }

    /** Writes the encoding at absolute {@code index}, big-endian whatever the buffer's byte order. */
    public void writeTo(ByteBuffer dst, int index) {
        dst.put(index, (byte) field1);
        dst.putInt(index + 1, be(dst, field2));
        dst.putInt(index + 5, be(dst, field3));
        dst.putInt(index + 9, be(dst, field4));
        dst.put(index + 13, (byte) field5);
        dst.putInt(index + 14, be(dst, field6));
    }

    /** Writes the encoding at {@code index} of an Agrona buffer. */
    public void writeTo(MutableDirectBuffer dst, int index) {
        dst.putByte(index, (byte) field1);
        dst.putInt(index + 1, field2, ByteOrder.BIG_ENDIAN);
        dst.putInt(index + 5, field3, ByteOrder.BIG_ENDIAN);
        dst.putInt(index + 9, field4, ByteOrder.BIG_ENDIAN);
        dst.putByte(index + 13, (byte) field5);
        dst.putInt(index + 14, field6, ByteOrder.BIG_ENDIAN);
    }

    /** A fresh 18-byte encoding. */
    public byte[] toBytes() {
        byte[] b = new byte[KEY_SIZE];
        writeTo(b, 0);
        return b;
    }

    /** Decodes 18 bytes at {@code off} ({@code Key::from_slice}). */
    public static Key read(byte[] src, int off) {
        return new Key(src[off] & 0xFF, getInt(src, off + 1), getInt(src, off + 5), getInt(src, off + 9),
                src[off + 13] & 0xFF, getInt(src, off + 14));
    }

    /** Decodes exactly 18 bytes. */
    public static Key fromBytes(byte[] src) {
        if (src.length != KEY_SIZE) {
            throw new IllegalArgumentException("a key is " + KEY_SIZE + " bytes, got " + src.length);
        }
        return read(src, 0);
    }

    /** Decodes at absolute {@code index}, big-endian whatever the buffer's byte order. */
    public static Key read(ByteBuffer src, int index) {
        return new Key(src.get(index) & 0xFF, be(src, src.getInt(index + 1)), be(src, src.getInt(index + 5)),
                be(src, src.getInt(index + 9)), src.get(index + 13) & 0xFF, be(src, src.getInt(index + 14)));
    }

    /** Decodes at {@code index} of an Agrona buffer. */
    public static Key read(DirectBuffer src, int index) {
        return new Key(src.getByte(index) & 0xFF, src.getInt(index + 1, ByteOrder.BIG_ENDIAN),
                src.getInt(index + 5, ByteOrder.BIG_ENDIAN), src.getInt(index + 9, ByteOrder.BIG_ENDIAN),
                src.getByte(index + 13) & 0xFF, src.getInt(index + 14, ByteOrder.BIG_ENDIAN));
    }

    /** Compares two encoded keys in place, without decoding or allocating. */
    public static int compareEncoded(byte[] a, int aOff, byte[] b, int bOff) {
        return Arrays.compareUnsigned(a, aOff, aOff + KEY_SIZE, b, bOff, bOff + KEY_SIZE);
    }

    /** Compares two encoded keys in Agrona buffers in place (two u64 words and a u16). */
    public static int compareEncoded(DirectBuffer a, int aIndex, DirectBuffer b, int bIndex) {
        int c = Long.compareUnsigned(a.getLong(aIndex, ByteOrder.BIG_ENDIAN), b.getLong(bIndex, ByteOrder.BIG_ENDIAN));
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(a.getLong(aIndex + 8, ByteOrder.BIG_ENDIAN),
                b.getLong(bIndex + 8, ByteOrder.BIG_ENDIAN));
        if (c != 0) {
            return c;
        }
        return Integer.compare(a.getShort(aIndex + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                b.getShort(bIndex + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }

    /** Compares this key with an encoded key in place, e.g. during a B-tree search. */
    public int compareTo(DirectBuffer encoded, int index) {
        int c = Integer.compare(field1, encoded.getByte(index) & 0xFF);
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(field2, encoded.getInt(index + 1, ByteOrder.BIG_ENDIAN));
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(field3, encoded.getInt(index + 5, ByteOrder.BIG_ENDIAN));
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(field4, encoded.getInt(index + 9, ByteOrder.BIG_ENDIAN));
        if (c != 0) {
            return c;
        }
        c = Integer.compare(field5, encoded.getByte(index + 13) & 0xFF);
        if (c != 0) {
            return c;
        }
        return Integer.compareUnsigned(field6, encoded.getInt(index + 14, ByteOrder.BIG_ENDIAN));
    }

    // ---------------------------------------------------------------- ordering

    @Override
    public int compareTo(Key o) {
        int c = Integer.compare(field1, o.field1);
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(field2, o.field2);
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(field3, o.field3);
        if (c != 0) {
            return c;
        }
        c = Integer.compareUnsigned(field4, o.field4);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(field5, o.field5);
        if (c != 0) {
            return c;
        }
        return Integer.compareUnsigned(field6, o.field6);
    }

    public boolean isBefore(Key o) {
        return compareTo(o) < 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && field1 == k.field1 && field2 == k.field2 && field3 == k.field3
                && field4 == k.field4 && field5 == k.field5 && field6 == k.field6;
    }

    @Override
    public int hashCode() {
        int h = field1;
        h = 31 * h + field2;
        h = 31 * h + field3;
        h = 31 * h + field4;
        h = 31 * h + field5;
        return 31 * h + field6;
    }

    // ---------------------------------------------------------------- hex text

    /** The 36-digit upper-case hex form (FORMAT 3.3). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(HEX_LENGTH);
        appendHex(sb);
        return sb.toString();
    }

    /** Appends the 36-digit hex form without an intermediate string. */
    public void appendHex(StringBuilder sb) {
        Hex.appendFixed(sb, field1, 2, true);
        Hex.appendFixed(sb, field2, 8, true);
        Hex.appendFixed(sb, field3, 8, true);
        Hex.appendFixed(sb, field4, 8, true);
        Hex.appendFixed(sb, field5, 2, true);
        Hex.appendFixed(sb, field6, 8, true);
    }

    /**
     * Parses the hex form ({@code Key::from_hex}): exactly 36 characters, each field's slice parsed as hex of
     * either case. Like Rust's integer parser a slice may start with {@code '+'}; Strata never writes that.
     *
     * @throws IllegalArgumentException naming the input if it is not a key
     */
    public static Key fromHex(String s) {
        if (s.length() != HEX_LENGTH) {
            throw new IllegalArgumentException(
                    "invalid key '" + s + "': expected " + HEX_LENGTH + " hex digits, got " + s.length() + " characters");
        }
        try {
            return new Key((int) Hex.parseUnsigned(s, 0, 2, 0xFF), (int) Hex.parseUnsigned(s, 2, 10, 0xFFFF_FFFFL),
                    (int) Hex.parseUnsigned(s, 10, 18, 0xFFFF_FFFFL), (int) Hex.parseUnsigned(s, 18, 26, 0xFFFF_FFFFL),
                    (int) Hex.parseUnsigned(s, 26, 28, 0xFF), (int) Hex.parseUnsigned(s, 28, 36, 0xFFFF_FFFFL));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid key '" + s + "': " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- arithmetic

    /** {@code add(1)}. */
    public Key next() {
        return add(1);
    }

    /**
     * Adds {@code n} (a u32) to field6, carrying per field width into field5, 4, 3, 2, 1 (FORMAT 3.4).
     *
     * @throws IllegalStateException if field1 overflows (Neon asserts)
     */
    public Key add(int n) {
        long sum6 = Integer.toUnsignedLong(field6) + Integer.toUnsignedLong(n);
        int f6 = (int) sum6;
        if ((sum6 >>> 32) == 0) {
            return new Key(field1, field2, field3, field4, field5, f6);
        }
        int f5 = (field5 + 1) & 0xFF;
        int f4 = field4;
        int f3 = field3;
        int f2 = field2;
        int f1 = field1;
        if (f5 == 0) {
            f4++;
            if (f4 == 0) {
                f3++;
                if (f3 == 0) {
                    f2++;
                    if (f2 == 0) {
                        f1++;
                        if (f1 > 0xFF) {
                            throw new IllegalStateException("key overflow: " + this + " + " + Integer.toUnsignedString(n));
                        }
                    }
                }
            }
        }
        return new Key(f1, f2, f3, f4, f5, f6);
    }

    // ---------------------------------------------------------------- compact (i128) form

    /** Whether {@link #toI128Hi()} may be used: field2 fits 16 bits or is one of two legacy markers. */
    public boolean isI128Representable() {
        return Integer.compareUnsigned(field2, 0xFFFF) <= 0 || field2 == 0xFFFF_FFFF || field2 == 0x2222_2222;
    }

    private void checkI128() {
        if (!isI128Representable()) {
            throw new IllegalStateException("invalid key: " + this + " (field2 does not fit the compact i128 form)");
        }
    }

    /** High 64 bits of {@code to_i128} (FORMAT 3.5); field1 is masked to 7 bits. */
    public long toI128Hi() {
        checkI128();
        return ((long) (field1 & 0x7F) << 56) | ((long) (field2 & 0xFFFF) << 40)
                | (Integer.toUnsignedLong(field3) << 8) | (Integer.toUnsignedLong(field4) >>> 24);
    }

    /** Low 64 bits of {@code to_i128}. */
    public long toI128Lo() {
        checkI128();
        return ((long) (field4 & 0xFF_FFFF) << 40) | ((long) field5 << 32) | Integer.toUnsignedLong(field6);
    }

    /** {@code Key::from_i128}: extracts the bit ranges of FORMAT 3.5 (any input is accepted). */
    public static Key fromI128(long hi, long lo) {
        return new Key((int) (hi >>> 56) & 0x7F, (int) (hi >>> 40) & 0xFFFF, (int) (hi >>> 8),
                (int) ((hi << 24) | (lo >>> 40)), (int) (lo >>> 32) & 0xFF, (int) lo);
    }

    /** The 16-byte big-endian form of the i128 (a metadata key when field1 is 0x60..0x7E). */
    public byte[] toMetadataKey() {
        byte[] b = new byte[METADATA_KEY_SIZE];
        putLong(b, 0, toI128Hi());
        putLong(b, 8, toI128Lo());
        return b;
    }

    /**
     * {@code Key::from_metadata_key}: decodes a 16-byte metadata key.
     *
     * @throws IllegalArgumentException if it is not 16 bytes or its first byte is outside 0x60..0x7E
     */
    public static Key fromMetadataKey(byte[] key) {
        if (key.length != METADATA_KEY_SIZE) {
            throw new IllegalArgumentException("expect 16 byte metadata key, got " + key.length);
        }
        int prefix = key[0] & 0xFF;
        if (prefix < METADATA_KEY_BEGIN_PREFIX || prefix >= METADATA_KEY_END_PREFIX) {
            throw new IllegalArgumentException(String.format("key not in metadata key range: first byte 0x%02X", prefix));
        }
        return fromI128(getLong(key, 0), getLong(key, 8));
    }

    // ---------------------------------------------------------------- predicates (FORMAT 3.6)

    /** 0x60 <= field1 < 0x7F: the sparse (metadata) key space. */
    public boolean isMetadataKey() {
        return field1 >= METADATA_KEY_BEGIN_PREFIX && field1 < METADATA_KEY_END_PREFIX;
    }

    /** Same as {@link #isMetadataKey()} (Neon's {@code is_sparse}). */
    public boolean isSparse() {
        return isMetadataKey();
    }

    /** Sparse relation-size key (prefix 0x61), the only sparse key branches inherit. */
    public boolean isInheritedSparseKey() {
        return field1 == RELATION_SIZE_PREFIX;
    }

    /** Whether a child branch sees this key from its ancestor: all dense keys except the legacy AUX_FILES_KEY. */
    public boolean isInheritedKey() {
        return isSparse() ? isInheritedSparseKey() : !equals(AUX_FILES_KEY);
    }

    /** Dense per-database relation directory key: {@code 00 spc db 00000000 00 00000001}, spc and db non-zero. */
    public boolean isRelDirKey() {
        return field1 == 0 && field2 != 0 && field3 != 0 && field4 == 0 && field5 == 0 && field6 == 1;
    }

    /** Sparse rel tag key (prefix 0x65); the value is {@code "r"} for an existing relation. */
    public boolean isRelDirSparseKey() {
        return field1 == REL_DIR_KEY_PREFIX;
    }

    /** Sparse database directory key (prefix 0x64). */
    public boolean isDbDirSparseKey() {
        return field1 == DB_DIR_KEY_PREFIX;
    }

    /** Relation page: field1 = 0, relfilenode non-zero, not the size slot. */
    public boolean isRelBlockKey() {
        return field1 == 0 && field4 != 0 && field6 != -1;
    }

    public boolean isRelFsmBlockKey() {
        return isRelBlockKey() && field5 == FSM_FORKNUM;
    }

    public boolean isRelVmBlockKey() {
        return isRelBlockKey() && field5 == VISIBILITYMAP_FORKNUM;
    }

    /** Relation size: field1 = 0, field6 = 0xFFFFFFFF. */
    public boolean isRelSizeKey() {
        return field1 == 0 && field6 == -1;
    }

    /** SLRU page: field1 = 1, field3 = 1, not the segment size slot. */
    public boolean isSlruBlockKey() {
        return field1 == 0x01 && field3 == 1 && field6 != -1;
    }

    /** SLRU segment size: {@code 01 kind(<3) 00000001 segno 00 FFFFFFFF}. */
    public boolean isSlruSegmentSizeKey() {
        return field1 == 0x01 && Integer.compareUnsigned(field2, 3) < 0 && field3 == 1 && field5 == 0 && field6 == -1;
    }

    /** SLRU directory: {@code 01 kind 00000000 00000000 00 00000000} (any kind value). */
    public boolean isSlruDirKey() {
        return field1 == 0x01 && field3 == 0 && field4 == 0 && field5 == 0 && field6 == 0;
    }

    /** AUX file key (prefix 0x62), see {@link AuxFileKey}. */
    public boolean isAuxFileKey() {
        return field1 == AUX_KEY_PREFIX;
    }

    /** Replication origin key (prefix 0x63). */
    public boolean isReplOriginKey() {
        return field1 == REPL_ORIGIN_KEY_PREFIX;
    }

    // ---------------------------------------------------------------- helpers

    private static int be(ByteBuffer b, int v) {
        return b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static int getInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) (v >>> 32));
        putInt(b, off + 4, (int) v);
    }

    static long getLong(byte[] b, int off) {
        return ((long) getInt(b, off) << 32) | Integer.toUnsignedLong(getInt(b, off + 4));
    }
}
