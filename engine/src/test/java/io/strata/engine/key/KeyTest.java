package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class KeyTest {
    private static final HexFormat HEX = HexFormat.of();

    static Key randomKey(Random rnd) {
        return new Key(rnd.nextInt(256), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(256), rnd.nextInt());
    }

    /** Keys whose fields cluster around 0 and the maxima, so carries and unsigned edges are exercised. */
    static Key edgyKey(Random rnd) {
        int[] u32 = {0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 0xFFFF, 0x2222_2222};
        int[] u8 = {0, 1, 0x7F, 0x80, 0xFE, 0xFF};
        return new Key(u8[rnd.nextInt(u8.length)], u32[rnd.nextInt(u32.length)], u32[rnd.nextInt(u32.length)],
                u32[rnd.nextInt(u32.length)], u8[rnd.nextInt(u8.length)], u32[rnd.nextInt(u32.length)]);
    }

    @Test
    void encodingIsBigEndianInFieldOrder() {
        Key k = new Key(0x01, 0x02030405, 0x06070809, 0x0A0B0C0D, 0x0E, 0x0F101112);
        assertEquals("0102030405060708090a0b0c0d0e0f101112", HEX.formatHex(k.toBytes()));
        assertEquals(k, Key.fromBytes(k.toBytes()));
    }

    @Test
    void exampleFromFormat33() {
        Key k = new Key(0, 0x067F, 1, 0xAE, 0, 0);
        assertEquals("000000067F00000001000000AE0000000000", k.toString());
        assertEquals(k, Key.fromHex("000000067F00000001000000AE0000000000"));
        assertEquals(k, Key.fromHex("000000067f00000001000000ae0000000000"));
        // Summary bytes of FORMAT 12.3 use the same 18-byte encoding.
        assertEquals("000000067f00000001000000ae0000000000", HEX.formatHex(k.toBytes()));
        assertEquals("000000067f00000001000000ae0000002000", HEX.formatHex(k.add(0x2000).toBytes()));
    }

    @Test
    void minAndMax() {
        assertEquals("000000000000000000000000000000000000", Key.MIN.toString());
        assertEquals("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", Key.MAX.toString());
        assertEquals(Key.MIN, Key.DBDIR_KEY);
        assertTrue(Key.MIN.compareTo(Key.MAX) < 0);
    }

    @Test
    void hexParseRejectsBadInputNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Key.fromHex("00"));
        assertTrue(e.getMessage().contains("'00'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Key.fromHex("000000067F00000001000000AE000000000G"));
        assertTrue(e.getMessage().contains("000000067F00000001000000AE000000000G"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Key.fromHex("000000067F00000001000000AE00000000000"));
        assertThrows(IllegalArgumentException.class, () -> Key.fromHex("-00000067F00000001000000AE0000000000"));
        assertThrows(IllegalArgumentException.class, () -> Key.fromHex(" 00000067F00000001000000AE0000000000"));
        // non-ASCII digits are not hex, even though Character.digit would accept them
        assertThrows(IllegalArgumentException.class, () -> Key.fromHex("\uFF10" + "00000067F00000001000000AE0000000000"));
        // a lone '+' is not a number
        assertThrows(IllegalArgumentException.class, () -> Key.fromHex("+" + "+0000067F00000001000000AE0000000000"));
    }

    @Test
    void hexParseAcceptsRustPlusSignLikeNeon() {
        assertEquals(new Key(0x0F, 0x67F, 1, 0xAE, 0, 0), Key.fromHex("+F0000067F00000001000000AE0000000000"));
    }

    @Test
    void hexRoundTripRandom() {
        Random rnd = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            Key k = i % 2 == 0 ? randomKey(rnd) : edgyKey(rnd);
            String s = k.toString();
            assertEquals(36, s.length());
            assertEquals(s.toUpperCase(), s);
            assertEquals(k, Key.fromHex(s));
            assertEquals(k, Key.fromHex(s.toLowerCase()));
        }
    }

    @Test
    void orderingEqualsUnsignedByteOrderOfEncodings() {
        Random rnd = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            Key a = i % 3 == 0 ? edgyKey(rnd) : randomKey(rnd);
            Key b = i % 5 == 0 ? a : (i % 3 == 1 ? edgyKey(rnd) : randomKey(rnd));
            byte[] ea = a.toBytes();
            byte[] eb = b.toBytes();
            int expected = Integer.signum(Arrays.compareUnsigned(ea, eb));
            assertEquals(expected, Integer.signum(a.compareTo(b)), a + " vs " + b);
            assertEquals(expected, Integer.signum(Key.compareEncoded(ea, 0, eb, 0)));
            assertEquals(expected, Integer.signum(Key.ENCODED_ORDER.compare(ea, eb)));
            UnsafeBuffer ba = new UnsafeBuffer(new byte[20]);
            UnsafeBuffer bb = new UnsafeBuffer(new byte[21]);
            a.writeTo(ba, 2);
            b.writeTo(bb, 3);
            assertEquals(expected, Integer.signum(Key.compareEncoded(ba, 2, bb, 3)));
            assertEquals(expected, Integer.signum(a.compareTo(bb, 3)));
            assertEquals(expected == 0, a.equals(b));
            if (expected == 0) {
                assertEquals(a.hashCode(), b.hashCode());
            }
        }
    }

    @Test
    void unsignedOrderingEdges() {
        Key small = new Key(0, 0x7FFF_FFFF, 0, 0, 0, 0);
        Key big = new Key(0, 0x8000_0000, 0, 0, 0, 0);
        assertTrue(small.compareTo(big) < 0);
        assertTrue(new Key(0x7F, 0, 0, 0, 0, 0).compareTo(new Key(0x80, 0, 0, 0, 0, 0)) < 0);
        assertTrue(new Key(0, 0, 0, 0, 0, 0x7FFF_FFFF).compareTo(new Key(0, 0, 0, 0, 0, -1)) < 0);
    }

    @Test
    void allBufferFormsAgree() {
        Random rnd = new Random(3);
        for (int i = 0; i < 1000; i++) {
            Key k = randomKey(rnd);
            byte[] arr = new byte[25];
            k.writeTo(arr, 5);
            assertEquals(k, Key.read(arr, 5));
            for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                ByteBuffer heap = ByteBuffer.allocate(25).order(order);
                k.writeTo(heap, 5);
                assertArrayEquals(arr, heap.array(), "byte order " + order + " must not matter");
                assertEquals(k, Key.read(heap, 5));
                ByteBuffer direct = ByteBuffer.allocateDirect(25).order(order);
                k.writeTo(direct, 5);
                assertEquals(k, Key.read(direct, 5));
            }
            UnsafeBuffer ub = new UnsafeBuffer(new byte[25]);
            k.writeTo(ub, 5);
            assertArrayEquals(arr, ub.byteArray());
            assertEquals(k, Key.read(ub, 5));
        }
    }

    @Test
    void fieldRangeIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Key(256, 0, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Key(0, 0, 0, 0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> Key.fromBytes(new byte[17]));
    }

    // ------------------------------------------------------------ next / add (FORMAT 3.4)

    @Test
    void addCarriesPerFieldWidth() {
        Key k = Key.fromHex("000000067F00000001000000AE00FFFFFFFF");
        assertEquals("000000067F00000001000000AE0100000000", k.next().toString());
        assertEquals("000000067F00000001000000AE0100000001", k.add(2).toString());
        assertEquals("000000067F00000001000000AF0000000000", Key.fromHex("000000067F00000001000000AEFFFFFFFFFF").next().toString());
        assertEquals("00000000010000000000000000000000000F", Key.fromHex("0000000000FFFFFFFFFFFFFFFFFFFFFFFFF0").add(0x1F).toString());
        assertEquals("010000000000000000000000000000000000", Key.fromHex("00FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF").next().toString());
        // u32 argument: 0xFFFFFFFF is not -1
        assertEquals("0000000000000000000000000000FFFFFFFF", Key.MIN.add(0xFFFF_FFFF).toString());
        assertEquals("0000000000000000000000000001FFFFFFFE", Key.MIN.add(0xFFFF_FFFF).add(0xFFFF_FFFF).toString());
    }

    @Test
    void addOverflowOfField1IsFatal() {
        IllegalStateException e = assertThrows(IllegalStateException.class, Key.MAX::next);
        assertTrue(e.getMessage().contains(Key.MAX.toString()));
    }

    @Test
    void nextEqualsAddOneAndIsTheSuccessorInByteOrder() {
        Random rnd = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            Key k = i % 2 == 0 ? randomKey(rnd) : edgyKey(rnd);
            if (k.equals(Key.MAX)) {
                continue;
            }
            Key n = k.next();
            assertEquals(k.add(1), n);
            assertTrue(k.compareTo(n) < 0);
            // successor of the 18-byte big-endian number
            assertArrayEquals(increment(k.toBytes()), n.toBytes(), k.toString());
        }
    }

    @Test
    void addMatchesBigIntegerModel() {
        Random rnd = new Random(5);
        for (int i = 0; i < 5000; i++) {
            Key k = edgyKey(rnd);
            int n = rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(4);
            java.math.BigInteger model = new java.math.BigInteger(1, k.toBytes()).add(java.math.BigInteger.valueOf(Integer.toUnsignedLong(n)));
            if (model.bitLength() > 144) {
                assertThrows(IllegalStateException.class, () -> k.add(n));
                continue;
            }
            byte[] raw = model.toByteArray();
            byte[] expect = new byte[18];
            int copy = Math.min(raw.length, 18);
            System.arraycopy(raw, raw.length - copy, expect, 18 - copy, copy);
            assertArrayEquals(expect, k.add(n).toBytes(), k + " + " + Integer.toUnsignedString(n));
        }
    }

    private static byte[] increment(byte[] b) {
        byte[] r = b.clone();
        for (int i = r.length - 1; i >= 0; i--) {
            if (++r[i] != 0) {
                break;
            }
        }
        return r;
    }

    // ------------------------------------------------------------ i128 (FORMAT 3.5)

    @Test
    void i128LayoutFromFormat() {
        Key k = new Key(0x62, 0x0000_ABCD, 0x1122_3344, 0x5566_7788, 0x99, 0xAABB_CCDD);
        assertEquals(0x62ABCD1122334455L, k.toI128Hi());
        assertEquals(0x667788_99_AABBCCDDL, k.toI128Lo());
        assertEquals("62abcd112233445566778899aabbccdd", HEX.formatHex(k.toMetadataKey()));
        assertEquals(k, Key.fromI128(k.toI128Hi(), k.toI128Lo()));
    }

    @Test
    void i128MasksField1AndIsLossyForMarkers() {
        Key max = Key.MAX;
        assertEquals("7F0000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", Key.fromI128(max.toI128Hi(), max.toI128Lo()).toString());
        Key marker = new Key(0, 0x2222_2222, 1, 2, 3, 4);
        assertEquals(new Key(0, 0x2222, 1, 2, 3, 4), Key.fromI128(marker.toI128Hi(), marker.toI128Lo()));
        assertTrue(new Key(0, 0x10000, 0, 0, 0, 0).isI128Representable() == false);
        assertTrue(new Key(0, 0xFFFF, 0, 0, 0, 0).isI128Representable());
    }

    @Test
    void i128RejectsWideField2NamingTheKey() {
        Key k = new Key(0, 0x0001_0000, 0, 0, 0, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, k::toI128Hi);
        assertTrue(e.getMessage().contains(k.toString()), e.getMessage());
        assertThrows(IllegalStateException.class, k::toI128Lo);
        assertThrows(IllegalStateException.class, k::toMetadataKey);
        assertThrows(IllegalStateException.class, new Key(0, 0x8000_0000, 0, 0, 0, 0)::toI128Hi);
    }

    @Test
    void i128RoundTripForEligibleKeys() {
        Random rnd = new Random(99);
        for (int i = 0; i < 10_000; i++) {
            Key r = randomKey(rnd);
            Key k = new Key(r.field1() & 0x7F, r.field2() & 0xFFFF, r.field3(), r.field4(), r.field5(), r.field6());
            assertEquals(k, Key.fromI128(k.toI128Hi(), k.toI128Lo()));
            // signed i128 order == key order (bit 127 is always 0)
            Key o = new Key(rnd.nextInt(128), rnd.nextInt(0x10000), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(256), rnd.nextInt());
            int byKey = Integer.signum(k.compareTo(o));
            int c = Long.compare(k.toI128Hi(), o.toI128Hi());
            int byI128 = Integer.signum(c != 0 ? c : Long.compareUnsigned(k.toI128Lo(), o.toI128Lo()));
            assertEquals(byKey, byI128);
        }
    }

    @Test
    void metadataKeyForm() {
        byte[] meta = new byte[16];
        meta[0] = 0x62;
        Arrays.fill(meta, 1, 16, (byte) 0xFF);
        Key k = Key.fromMetadataKey(meta);
        assertArrayEquals(meta, k.toMetadataKey());
        assertTrue(k.isMetadataKey());
        assertEquals("620000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", k.toString(), "stored with field2 = 0000XXXX");
        meta[0] = 0x7F;
        assertThrows(IllegalArgumentException.class, () -> Key.fromMetadataKey(meta));
        meta[0] = 0x5F;
        assertThrows(IllegalArgumentException.class, () -> Key.fromMetadataKey(meta));
        assertThrows(IllegalArgumentException.class, () -> Key.fromMetadataKey(new byte[18]));
    }

    // ------------------------------------------------------------ predicates (FORMAT 3.6)

    @Test
    void sparseRange() {
        assertFalse(new Key(0x5F, -1, -1, -1, 0xFF, -1).isMetadataKey());
        assertTrue(new Key(0x60, 0, 0, 0, 0, 0).isMetadataKey());
        assertTrue(new Key(0x7E, -1, -1, -1, 0xFF, -1).isSparse());
        assertFalse(new Key(0x7F, 0, 0, 0, 0, 0).isSparse());
    }

    @Test
    void inheritance() {
        assertTrue(new Key(0x61, 0, 1, 2, 0, 0).isInheritedSparseKey());
        assertTrue(new Key(0x61, 0, 1, 2, 0, 0).isInheritedKey());
        assertFalse(new Key(0x62, 0, 1, 2, 0, 0).isInheritedKey());
        assertFalse(new Key(0x65, 0, 1, 2, 0, 1).isInheritedKey());
        assertFalse(Key.AUX_FILES_KEY.isInheritedKey());
        assertTrue(Key.CHECKPOINT_KEY.isInheritedKey());
        assertTrue(new Key(0, 0x67F, 1, 0xAE, 0, 5).isInheritedKey());
    }

    @Test
    void relationKeys() {
        Key relDir = new Key(0, 0x67F, 1, 0, 0, 1);
        assertTrue(relDir.isRelDirKey());
        assertFalse(relDir.isRelBlockKey());
        assertFalse(new Key(0, 0, 1, 0, 0, 1).isRelDirKey());
        assertFalse(new Key(0, 0x67F, 0, 0, 0, 1).isRelDirKey());
        assertFalse(new Key(0, 0x67F, 1, 0, 0, 2).isRelDirKey());
        assertFalse(new Key(0, 0x67F, 1, 0, 1, 1).isRelDirKey());

        Key block = new Key(0, 0x67F, 1, 0xAE, 0, 7);
        assertTrue(block.isRelBlockKey());
        assertFalse(block.isRelSizeKey());
        Key size = new Key(0, 0x67F, 1, 0xAE, 0, -1);
        assertTrue(size.isRelSizeKey());
        assertFalse(size.isRelBlockKey());
        assertFalse(new Key(0, 0x67F, 1, 0, 0, 7).isRelBlockKey());
        assertFalse(new Key(1, 0x67F, 1, 0xAE, 0, 7).isRelBlockKey());
        assertTrue(new Key(0, 0x67F, 1, 0xAE, 1, 7).isRelFsmBlockKey());
        assertTrue(new Key(0, 0x67F, 1, 0xAE, 2, 7).isRelVmBlockKey());
        assertFalse(new Key(0, 0x67F, 1, 0xAE, 2, -1).isRelVmBlockKey());

        Key sparseRelDir = new Key(0x65, 0x67F, 1, 0xAE, 0, 1);
        assertTrue(sparseRelDir.isRelDirSparseKey());
        assertFalse(sparseRelDir.isRelDirKey());
        assertTrue(new Key(0x64, 0, 0, 0, 0, 0).isDbDirSparseKey());
    }

    @Test
    void slruAndOtherKeys() {
        assertTrue(new Key(1, 0, 1, 5, 0, 3).isSlruBlockKey());
        assertFalse(new Key(1, 0, 1, 5, 0, -1).isSlruBlockKey());
        assertFalse(new Key(1, 0, 0, 0, 0, 0).isSlruBlockKey());
        assertTrue(new Key(1, 2, 1, 5, 0, -1).isSlruSegmentSizeKey());
        assertFalse(new Key(1, 3, 1, 5, 0, -1).isSlruSegmentSizeKey());
        assertTrue(new Key(1, 1, 0, 0, 0, 0).isSlruDirKey());
        assertFalse(new Key(1, 1, 0, 0, 0, 1).isSlruDirKey());
        assertTrue(new Key(0x62, 1, 2, 3, 4, 5).isAuxFileKey());
        assertFalse(new Key(0x63, 1, 2, 3, 4, 5).isAuxFileKey());
        assertTrue(new Key(0x63, 0, 0, 0, 0, 9).isReplOriginKey());
        assertEquals("030000000000000000000000000000000001", Key.CHECKPOINT_KEY.toString());
        assertEquals("030000000000000000000000000000000002", Key.AUX_FILES_KEY.toString());
        assertNotEquals(Key.CONTROLFILE_KEY, Key.CHECKPOINT_KEY);
    }
}
