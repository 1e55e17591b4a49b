package io.strata.engine.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.bincode.BincodeDecodeException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The byte strings of FORMAT 10.3 / 13.1 (Neon's wal_decoder value.rs tests) and each variant's layout. */
class ValueCodecTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void roundTrip(Value value, String expectedHex) {
        byte[] expected = hex(expectedHex);
        assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(value.serialize()));
        assertEquals(value, Value.deserialize(expected));
    }

    @Test
    void imageFoobar() {
        Value v = new Value.Image(utf8("foobar"));
        roundTrip(v, "00000000 0000000000000006 666f6f626172");
        assertEquals(18, v.serialize().length);
        assertTrue(v.willInit());
        assertTrue(ValueBytes.willInit(v.serialize()));
    }

    @Test
    void postgresFoobarWillInit() {
        Value v = new Value.WalRecord(new NeonWalRecord.Postgres(true, utf8("foobar")));
        roundTrip(v, "00000001 00000000 01 0000000000000006 666f6f626172");
        assertEquals(23, v.serialize().length);
        assertTrue(v.willInit());
        assertTrue(ValueBytes.willInit(v.serialize()));
    }

    @Test
    void clearVisibilityMapFlagsExample() {
        Value v = new Value.WalRecord(new NeonWalRecord.ClearVisibilityMapFlags(
                OptionalInt.of(0x11), OptionalInt.empty(), 3));
        roundTrip(v, "00000001 00000001 01 00000011 00 03");
        assertEquals(15, v.serialize().length);
        assertFalse(v.willInit());
        assertFalse(ValueBytes.willInit(v.serialize()));
    }

    @Test
    void emptyImageIs12BytesAndShorterPrefixesAreTooShort() {
        byte[] bytes = new Value.Image(new byte[0]).serialize();
        assertArrayEquals(hex("00000000 0000000000000000"), bytes);
        assertTrue(ValueBytes.willInit(bytes));
        for (int len = 0; len < 12; len++) {
            int n = len;
            InvalidValueBytesException e = assertThrows(InvalidValueBytesException.class,
                    () -> ValueBytes.willInit(new UnsafeBuffer(bytes), 0, n));
            assertEquals(InvalidValueBytesException.Reason.TOO_SHORT_VALUE, e.reason());
        }
    }

    @Test
    void emptyPostgresRecordIs17BytesAndShorterPrefixesAreTooShort() {
        Value v = new Value.WalRecord(new NeonWalRecord.Postgres(false, new byte[0]));
        roundTrip(v, "00000001 00000000 00 0000000000000000");
        byte[] bytes = v.serialize();
        assertEquals(17, bytes.length);
        assertFalse(ValueBytes.willInit(bytes));
        UnsafeBuffer buf = new UnsafeBuffer(bytes);
        for (int len = 12; len < 17; len++) {
            int n = len;
            assertEquals(InvalidValueBytesException.Reason.TOO_SHORT_POSTGRES_RECORD,
                    assertThrows(InvalidValueBytesException.class, () -> ValueBytes.willInit(buf, 0, n)).reason());
        }
        for (int len = 0; len < 12; len++) {
            int n = len;
            assertEquals(InvalidValueBytesException.Reason.TOO_SHORT_VALUE,
                    assertThrows(InvalidValueBytesException.class, () -> ValueBytes.willInit(buf, 0, n)).reason());
        }
    }

    @Test
    void rawWillInitAtAnOffsetAndForOtherVariants() {
        byte[] padded = hex("EEEE 00000001 00000000 01 0000000000000000 EE");
        assertTrue(ValueBytes.willInit(new UnsafeBuffer(padded), 2, 17));
        // unknown value variant and non-Postgres records: false, even with only 12 bytes
        assertFalse(ValueBytes.willInit(hex("00000002 0000000000000000")));
        assertFalse(ValueBytes.willInit(hex("00000001 00000003 0000000000000000")));
        // Neon's raw check does not inspect Test records, whose decoded form may init
        byte[] test = new Value.WalRecord(NeonWalRecord.Test.walInit("x")).serialize();
        assertTrue(Value.deserialize(test).willInit());
        assertFalse(ValueBytes.willInit(test));
    }

    @Test
    void rawCheckRefusesTheOnlyValidValueShorterThan12Bytes() {
        // Neon's ValueBytes::will_init has the same gap: this valid 11-byte value is "TooShortValue"
        byte[] bytes = new Value.WalRecord(new NeonWalRecord.ClearVisibilityMapFlags(
                OptionalInt.empty(), OptionalInt.empty(), 1)).serialize();
        assertArrayEquals(hex("00000001 00000001 00 00 01"), bytes);
        assertEquals(InvalidValueBytesException.Reason.TOO_SHORT_VALUE,
                assertThrows(InvalidValueBytesException.class, () -> ValueBytes.willInit(bytes)).reason());
    }

    @Test
    void everyVariantLayout() {
        roundTrip(new Value.WalRecord(new NeonWalRecord.ClogSetCommitted(new int[] {5, -1}, -3)),
                "00000001 00000002 0000000000000002 00000005 FFFFFFFF FFFFFFFFFFFFFFFD");
        roundTrip(new Value.WalRecord(new NeonWalRecord.ClogSetAborted(new int[] {7})),
                "00000001 00000003 0000000000000001 00000007");
        roundTrip(new Value.WalRecord(new NeonWalRecord.MultixactOffsetCreate(1, 2)),
                "00000001 00000004 00000001 00000002");
        roundTrip(new Value.WalRecord(new NeonWalRecord.MultixactMembersCreate(9,
                        List.of(new MultiXactMember(10, 1), new MultiXactMember(11, 5)))),
                "00000001 00000005 00000009 0000000000000002 0000000A 00000001 0000000B 00000005");
        roundTrip(new Value.WalRecord(new NeonWalRecord.AuxFile("pg_logical/x", utf8("ab"))),
                "00000001 00000006 000000000000000C 70675F6C6F676963616C2F78 01 0000000000000002 6162");
        roundTrip(new Value.WalRecord(new NeonWalRecord.AuxFile("f", null)),
                "00000001 00000006 0000000000000001 66 00");
        roundTrip(new Value.WalRecord(new NeonWalRecord.TruncateVisibilityMap(3, 4)),
                "00000001 00000007 0000000000000003 0000000000000004");
        roundTrip(new Value.WalRecord(NeonWalRecord.Test.walAppendConditional("a", "b")),
                "00000001 00000008 0000000000000001 61 00 00 01 0000000000000001 62");
        roundTrip(new Value.WalRecord(NeonWalRecord.Test.walInit("")),
                "00000001 00000008 0000000000000000 01 01 00");
        roundTrip(new Value.WalRecord(new NeonWalRecord.ClearVisibilityMapFlags(
                        OptionalInt.empty(), OptionalInt.of(-1), 0xFF)),
                "00000001 00000001 00 01 FFFFFFFF FF");
    }

    @Test
    void decodeIsStrict() {
        BincodeDecodeException e = assertThrows(BincodeDecodeException.class,
                () -> Value.deserialize(hex("00000000 0000000000000000 00")));
        assertEquals(12, e.offset());
        e = assertThrows(BincodeDecodeException.class,
                () -> Value.deserialize(hex("00000001 00000000 02 0000000000000000")));
        assertEquals(8, e.offset());
        assertTrue(e.getMessage().contains("invalid bool 2"), e.getMessage());
        e = assertThrows(BincodeDecodeException.class, () -> Value.deserialize(hex("00000001 00000009")));
        assertEquals(4, e.offset());
        assertEquals("NeonWalRecord variant (0..8)", e.expected());
        assertThrows(BincodeDecodeException.class, () -> Value.deserialize(hex("00000002")));
        assertThrows(BincodeDecodeException.class, () -> Value.deserialize(hex("00000000 00000000000000FF 00")));
    }

    @Test
    void decodeFromARegionOfALargerBuffer() {
        byte[] v = new Value.Image(utf8("foobar")).serialize();
        byte[] padded = new byte[v.length + 10];
        System.arraycopy(v, 0, padded, 5, v.length);
        assertEquals(new Value.Image(utf8("foobar")), Value.deserialize(new UnsafeBuffer(padded), 5, v.length));
    }

    @Test
    void equalityIsByContent() {
        assertEquals(new Value.Image(utf8("a")), new Value.Image(utf8("a")));
        assertNotEquals(new Value.Image(utf8("a")), new Value.Image(utf8("b")));
        assertEquals(new NeonWalRecord.AuxFile("p", null).hashCode(), new NeonWalRecord.AuxFile("p", null).hashCode());
        assertEquals(Optional.of("b"), NeonWalRecord.Test.walAppendConditional("a", "b").onlyIf());
        assertThrows(IllegalArgumentException.class, () -> new NeonWalRecord.ClearVisibilityMapFlags(
                OptionalInt.empty(), OptionalInt.empty(), 256));
    }
}
