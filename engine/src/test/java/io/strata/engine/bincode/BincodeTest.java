package io.strata.engine.bincode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class BincodeTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void primitivesAreBigEndianFixint() {
        byte[] out = new BincodeWriter()
                .u8(0xAB).bool(true).bool(false).u16(0x1234).u32(0xDEADBEEF).u64(0x0123456789ABCDEFL)
                .i64(-2).usize(5).variant(3).optionTag(false).vecLen(2).string("hé").bytes(new byte[] {7})
                .raw(new byte[] {9, 9})
                .toByteArray();
        assertArrayEquals(hex("AB 01 00 1234 DEADBEEF 0123456789ABCDEF FFFFFFFFFFFFFFFE 0000000000000005"
                + " 00000003 00 0000000000000002 0000000000000003 68C3A9 0000000000000001 07 0909"), out);

        BincodeReader r = BincodeReader.strict(out);
        assertEquals(0xAB, r.u8());
        assertTrue(r.bool());
        assertFalse(r.bool());
        assertEquals(0x1234, r.u16());
        assertEquals(0xDEADBEEF, r.u32());
        assertEquals(0x0123456789ABCDEFL, r.u64());
        assertEquals(-2, r.i64());
        assertEquals(5, r.usize());
        assertEquals(3, r.variant("E", 4));
        assertFalse(r.optionTag());
        assertEquals(2, r.vecLen(1));
        assertEquals("hé", r.string());
        assertArrayEquals(new byte[] {7}, r.bytes());
        assertArrayEquals(new byte[] {9, 9}, r.raw(2));
        r.finish();
    }

    @Test
    void writerRejectsOutOfRangeSmallIntegers() {
        BincodeWriter w = new BincodeWriter();
        assertThrows(IllegalArgumentException.class, () -> w.u8(256));
        assertThrows(IllegalArgumentException.class, () -> w.u16(-1));
        assertThrows(IllegalArgumentException.class, () -> w.variant(-1));
    }

    @Test
    void writerIntoCallersBufferAndReset() {
        UnsafeBuffer target = new UnsafeBuffer(new byte[16]);
        BincodeWriter w = new BincodeWriter(target, 4);
        w.u32(0x01020304);
        assertEquals(8, w.position());
        assertEquals(4, w.length());
        assertArrayEquals(hex("01020304"), w.toByteArray());
        w.reset().u16(0xFFFF);
        assertArrayEquals(hex("FFFF"), w.toByteArray());
        assertThrows(IndexOutOfBoundsException.class, () -> w.u64(1).u64(2));
    }

    @Test
    void invalidBoolNamesOffsetAndValue() {
        BincodeReader r = BincodeReader.strict(hex("00000000 02"));
        r.u32();
        BincodeDecodeException e = assertThrows(BincodeDecodeException.class, r::bool);
        assertEquals(4, e.offset());
        assertEquals("bool", e.expected());
        assertTrue(e.getMessage().contains("invalid bool 2 at offset 4") || e.getMessage().contains("invalid bool 2"),
                e.getMessage());
    }

    @Test
    void invalidOptionTagAndVariant() {
        assertEquals(0, assertThrows(BincodeDecodeException.class,
                () -> BincodeReader.strict(hex("05")).optionTag()).offset());
        BincodeDecodeException e = assertThrows(BincodeDecodeException.class,
                () -> BincodeReader.strict(hex("FFFFFFFF")).variant("Value", 2));
        assertTrue(e.getMessage().contains("4294967295"), e.getMessage());
    }

    @Test
    void truncatedInputIsAnErrorWithOffset() {
        BincodeReader r = BincodeReader.strict(hex("0102 03"));
        r.u16();
        BincodeDecodeException e = assertThrows(BincodeDecodeException.class, r::u32);
        assertEquals(2, e.offset());
        assertTrue(e.getMessage().contains("need 4 bytes, 1 left"), e.getMessage());
    }

    @Test
    void hugeLengthsFailBeforeAllocating() {
        assertThrows(BincodeDecodeException.class, () -> BincodeReader.strict(hex("7FFFFFFFFFFFFFFF")).bytes());
        assertThrows(BincodeDecodeException.class, () -> BincodeReader.strict(hex("FFFFFFFFFFFFFFFF 00")).string());
        assertThrows(BincodeDecodeException.class, () -> BincodeReader.strict(hex("0000000000000003 000000")).vecLen(4));
        assertEquals(3, BincodeReader.strict(hex("0000000000000003 000000")).vecLen(1));
    }

    @Test
    void invalidUtf8IsAnError() {
        BincodeDecodeException e = assertThrows(BincodeDecodeException.class,
                () -> BincodeReader.strict(hex("0000000000000001 FF")).string());
        assertEquals("String", e.expected());
    }

    @Test
    void strictRejectsTrailingBytesPrefixIgnoresThem() {
        byte[] bytes = hex("0001 0000");
        BincodeReader strict = BincodeReader.strict(bytes);
        strict.u16();
        BincodeDecodeException e = assertThrows(BincodeDecodeException.class, strict::finish);
        assertEquals(2, e.offset());
        BincodeReader prefix = BincodeReader.prefix(bytes);
        assertEquals(1, prefix.u16());
        prefix.finish();
    }

    @Test
    void offsetsAreRelativeToTheRegion() {
        UnsafeBuffer buf = new UnsafeBuffer(hex("FFFF 00 03"));
        BincodeReader r = BincodeReader.strict(buf, 2, 2);
        assertFalse(r.bool());
        assertEquals(1, assertThrows(BincodeDecodeException.class, r::bool).offset());
        assertThrows(IndexOutOfBoundsException.class, () -> BincodeReader.strict(buf, 3, 2));
    }
}
