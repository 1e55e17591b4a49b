package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Vectors from Neon's lsn.rs tests (FORMAT 4, 13.5). */
class LsnTest {

    @Test
    void slashForm() {
        assertEquals(new Lsn(0x12345678AAAA5555L), Lsn.parse("12345678/AAAA5555"));
        assertEquals(new Lsn(0x0000AAAA0000BBBBL), Lsn.parse("aaaa/bbbb"));
        assertEquals(new Lsn(0x000000010000000AL), Lsn.parse("1/A"));
        assertEquals(Lsn.INVALID, Lsn.parse("0/0"));
        assertEquals("12345678/AAAA5555", new Lsn(0x12345678AAAA5555L).toString());
        assertEquals("1/A", new Lsn(0x000000010000000AL).toString());
        assertEquals("0/3C490F8", new Lsn(0x3C490F8).toString());
        assertEquals("FFFFFFFF/FFFFFFFF", Lsn.MAX.toString());
        assertEquals("1234567/89ABCDEF", new Lsn(0x0123456789abcdefL).toString());
    }

    @Test
    void slashFormTrimsWhitespace() {
        Lsn expected = new Lsn(0x3C490F8);
        assertEquals(expected, Lsn.parse(" 0/3C490F8"));
        assertEquals(expected, Lsn.parse("0/3C490F8 "));
        assertEquals(expected, Lsn.parse(" 0/3C490F8 "));
        assertEquals(expected, Lsn.parse("\t0/3C490F8\n"));
        assertEquals(expected, Lsn.parse("\u00A00/3C490F8"), "Rust trims NBSP");
    }

    @Test
    void slashFormRejects() {
        for (String bad : new String[] {"ABCDEFG/12345678", "123456789/AAAA5555", "12345678/AAAA55550", "-1/0", "1/-1",
                "1", "1/2/3", "/1", "1/", "", "0 /1", "0x1/2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lsn.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void hexForm() {
        assertEquals(new Lsn(0x12345678AAAA5555L), Lsn.fromHex("12345678AAAA5555"));
        assertEquals(Lsn.INVALID, Lsn.fromHex("0"));
        assertEquals(new Lsn(0x14FED58), Lsn.fromHex("00000000014FED58"));
        assertEquals(new Lsn(0x14FED58), Lsn.fromHex("00000000014fed58"));
        assertEquals(Lsn.MAX, Lsn.fromHex("FFFFFFFFFFFFFFFF"));
        assertEquals(new Lsn(1), Lsn.fromHex("00000000000000000001"), "leading zeros beyond 16 digits fit in u64");
        assertThrows(IllegalArgumentException.class, () -> Lsn.fromHex("F12345678AAAA5555"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.fromHex("10000000000000000"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.fromHex(""));
        assertThrows(IllegalArgumentException.class, () -> Lsn.fromHex(" 1"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.fromHex("-1"));
    }

    @Test
    void fileNameForm() {
        assertEquals("0123456789ABCDEF", new Lsn(0x0123456789abcdefL).toFileNameHex());
        assertEquals("0000000000000000", Lsn.INVALID.toFileNameHex());
        assertEquals("0000DEADBEEF0000", new Lsn(0x0000DEADBEEF0000L).toFileNameHex());
        Random rnd = new Random(17);
        for (int i = 0; i < 5000; i++) {
            Lsn l = new Lsn(rnd.nextLong());
            assertEquals(l, Lsn.fromHex(l.toFileNameHex()));
            assertEquals(l, Lsn.parse(l.toString()));
        }
    }

    @Test
    void unsignedOrder() {
        assertTrue(new Lsn(0x7FFF_FFFF_FFFF_FFFFL).compareTo(new Lsn(0x8000_0000_0000_0000L)) < 0);
        assertTrue(Lsn.INVALID.compareTo(Lsn.MAX) < 0);
        assertTrue(new Lsn(5).isBefore(new Lsn(6)));
        assertTrue(Lsn.MAX.isAfter(new Lsn(1)));
        assertFalse(Lsn.INVALID.isValid());
    }

    @Test
    void arithmetic() {
        assertEquals(new Lsn(1245), new Lsn(1234).add(11));
        assertEquals(Optional.of(new Lsn(1)), new Lsn(1234).checkedSub(1233));
        assertEquals(Optional.empty(), new Lsn(1234).checkedSub(1235));
        assertEquals(Lsn.INVALID, new Lsn(3).saturatingSub(4));
        assertEquals(Lsn.MAX, new Lsn(0x8000_0000_0000_0000L).add(0x7FFF_FFFF_FFFF_FFFFL));
        assertThrows(ArithmeticException.class, () -> Lsn.MAX.add(1));
        assertThrows(ArithmeticException.class, () -> new Lsn(0x8000_0000_0000_0000L).add(0x8000_0000_0000_0000L));
    }
}
