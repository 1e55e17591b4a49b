package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyRangeTest {
    private static KeyRange r(String start, String end) {
        return new KeyRange(Key.fromHex(start), Key.fromHex(end));
    }

    @Test
    void halfOpen() {
        KeyRange range = r("000000067F00000001000000AE0000000000", "000000067F00000001000000AE0000002000");
        assertTrue(range.contains(Key.fromHex("000000067F00000001000000AE0000000000")));
        assertTrue(range.contains(Key.fromHex("000000067F00000001000000AE0000001FFF")));
        assertFalse(range.contains(Key.fromHex("000000067F00000001000000AE0000002000")));
        assertFalse(range.isEmpty());
        assertTrue(r("000000067F00000001000000AE0000002000", "000000067F00000001000000AE0000000000").isEmpty());
        assertEquals(0x2000, range.rawSize());
    }

    @Test
    void overlapAndIntersect() {
        KeyRange a = new KeyRange(Key.MIN.add(10), Key.MIN.add(20));
        KeyRange b = new KeyRange(Key.MIN.add(15), Key.MIN.add(30));
        KeyRange c = new KeyRange(Key.MIN.add(20), Key.MIN.add(30));
        assertTrue(a.overlaps(b));
        assertTrue(b.overlaps(a));
        assertFalse(a.overlaps(c), "adjacent ranges do not overlap");
        assertEquals(new KeyRange(Key.MIN.add(15), Key.MIN.add(20)), a.intersect(b));
        assertTrue(a.intersect(c).isEmpty());
        assertTrue(a.contains(new KeyRange(Key.MIN.add(12), Key.MIN.add(20))));
        assertFalse(a.contains(b));
    }

    @Test
    void textForm() {
        String s = "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6";
        KeyRange range = KeyRange.parse(s);
        assertEquals(s, range.toString());
        assertEquals("000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", KeyRange.FULL.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyRange.parse("nodash"));
        assertTrue(e.getMessage().contains("nodash"));
    }

    @Test
    void neonContiguousRangeCheck() {
        assertFalse(r("000000067f00000001000004df00fffffffe", "000000067f00000001000004df0100000003").isContiguous());
        assertFalse(r("000000067f00000001000004df00fffffffe", "000000067f00000001000004df0100000000").isContiguous());
        assertTrue(r("000000067f00000001000004df0000000000", "000000067f00000001000004df0000000080").isContiguous());
        assertTrue(r("000000067f00000001000004df00ffffffff", "000000067f00000001000004df0100000080").isContiguous());
    }

    @Test
    void rawSize() {
        assertEquals(0x81, r("000000067f00000001000004df00ffffffff", "000000067f00000001000004df0100000080").rawSize());
        assertEquals(0xFFFF_FFFFL, r("000000067f00000001000004df00fffffffe", "000000067f00000001000004df0100000003").rawSize());
        assertEquals(0xFFFF_FFFFL, KeyRange.FULL.rawSize());
        assertEquals(1, KeyRange.singleton(Key.fromHex("000000067f000000010000007000ffffffff")).rawSize());
        assertEquals(0, r("000000067f00000001000004df0000000005", "000000067f00000001000004df0000000005").rawSize());
    }
}
