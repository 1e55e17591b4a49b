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
        assertEquals("NeonWalRecord variant (0..8 or Strata's 0x53540001)", e.expected());
        assertTrue(e.getMessage().contains("invalid variant index 9"), e.getMessage());
        e = assertThrows(BincodeDecodeException.class, () -> Value.deserialize(hex("00000001 53540002")));
        assertEquals(4, e.offset());
        assertTrue(e.getMessage().contains("invalid variant index 1398013954"), e.getMessage());
        e = assertThrows(BincodeDecodeException.class, () -> Value.deserialize(hex("00000001 FFFFFFFF")));
        assertTrue(e.getMessage().contains("invalid variant index 4294967295"), e.getMessage());
        assertThrows(BincodeDecodeException.class, () -> Value.deserialize(hex("00000002")));
        assertThrows(BincodeDecodeException.class, () -> Value.deserialize(hex("00000000 00000000000000FF 00")));
    }

    @Test
    void physicalIsStrataTag0x53540001ThenOffsetBytesWillInit() {
        roundTrip(new Value.WalRecord(new NeonWalRecord.Physical(0x10, utf8("ab"), true)),
                "00000001 53540001 00000010 0000000000000002 6162 01");
        roundTrip(new Value.WalRecord(new NeonWalRecord.Physical(0, new byte[0], false)),
                "00000001 53540001 00000000 0000000000000000 00");
        // the largest page: offset + length == 1 GiB is allowed
        roundTrip(new Value.WalRecord(new NeonWalRecord.Physical(0x3FFF_FFFF, utf8("z"), false)),
                "00000001 53540001 3FFFFFFF 0000000000000001 7A 00");
        assertEquals(0x5354_0001, new NeonWalRecord.Physical(0, new byte[0], false).variantIndex());
    }

    @Test
    void physicalWillInitIsSeenByTheRawCheck() {
        byte[] init = new Value.WalRecord(new NeonWalRecord.Physical(3, utf8("xyz"), true)).serialize();
        byte[] noInit = new Value.WalRecord(new NeonWalRecord.Physical(3, utf8("xyz"), false)).serialize();
        assertTrue(Value.deserialize(init).willInit());
        assertTrue(ValueBytes.willInit(init));
        assertFalse(Value.deserialize(noInit).willInit());
        assertFalse(ValueBytes.willInit(noInit));
        UnsafeBuffer buf = new UnsafeBuffer(init);
        for (int len = 12; len < init.length; len++) {
            int n = len;
            InvalidValueBytesException e = assertThrows(InvalidValueBytesException.class,
                    () -> ValueBytes.willInit(buf, 0, n));
            assertEquals(InvalidValueBytesException.Reason.TOO_SHORT_PHYSICAL_RECORD, e.reason());
            assertTrue(e.getMessage().contains("need at least " + (len < 21 ? 21 : 24)), e.getMessage());
        }
        byte[] hugeLength = hex("00000001 53540001 00000000 FFFFFFFFFFFFFFFF 01");
        assertThrows(InvalidValueBytesException.class, () -> ValueBytes.willInit(hugeLength));
    }

    @Test
    void physicalOutOfRangeIsABincodeErrorOnDecodeAndRefusedOnEncode() {
        BincodeDecodeException e = assertThrows(BincodeDecodeException.class,
                () -> Value.deserialize(hex("00000001 53540001 40000000 0000000000000001 7A 00")));
        assertEquals(8, e.offset());
        assertEquals("Physical record", e.expected());
        assertTrue(e.getMessage().contains(
                "offset 1073741824 + length 1 = 1073741825 is past the maximum page size 1073741824"), e.getMessage());
        e = assertThrows(BincodeDecodeException.class,
                () -> Value.deserialize(hex("00000001 53540001 FFFFFFFF 0000000000000000 00")));
        assertTrue(e.getMessage().contains("offset 4294967295 is past the maximum page size"), e.getMessage());
        // a length beyond the input is caught before anything is allocated
        e = assertThrows(BincodeDecodeException.class,
                () -> Value.deserialize(hex("00000001 53540001 00000000 7FFFFFFFFFFFFFFF 00")));
        assertEquals("Bytes length", e.expected());
        // the bool is checked like any other
        e = assertThrows(BincodeDecodeException.class,
                () -> Value.deserialize(hex("00000001 53540001 00000000 0000000000000000 02")));
        assertTrue(e.getMessage().contains("invalid bool 2"), e.getMessage());

        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> new Value.WalRecord(new NeonWalRecord.Physical(-1, new byte[0], false)).serialize());
        assertTrue(iae.getMessage().contains("negative offset -1"), iae.getMessage());
        iae = assertThrows(IllegalArgumentException.class,
                () -> new Value.WalRecord(new NeonWalRecord.Physical(1 << 30, new byte[1], false)).serialize());
        assertTrue(iae.getMessage().contains("is past the maximum page size 1073741824"), iae.getMessage());
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
        assertEquals(new NeonWalRecord.Physical(1, utf8("a"), true), new NeonWalRecord.Physical(1, utf8("a"), true));
        assertEquals(new NeonWalRecord.Physical(1, utf8("a"), true).hashCode(),
                new NeonWalRecord.Physical(1, utf8("a"), true).hashCode());
        assertNotEquals(new NeonWalRecord.Physical(1, utf8("a"), true), new NeonWalRecord.Physical(1, utf8("a"), false));
        assertNotEquals(new NeonWalRecord.Physical(1, utf8("a"), true), new NeonWalRecord.Physical(2, utf8("a"), true));
        assertNotEquals(new NeonWalRecord.Physical(1, utf8("a"), true), new NeonWalRecord.Physical(1, utf8("b"), true));
    }
}
