package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class IdTest {
    @Test
    void textIsLowerCaseHexAndParsesEitherCase() {
        TenantId t = TenantId.parse("00112233445566778899AABBCCDDEEFF");
        assertEquals("00112233445566778899aabbccddeeff", t.toString());
        assertArrayEquals(HexFormat.of().parseHex("00112233445566778899aabbccddeeff"), t.toBytes());
        assertEquals(t, TenantId.parse(t.toString()));
        TimelineId tl = TimelineId.parse("ffeeddccbbaa99887766554433221100");
        assertEquals("ffeeddccbbaa99887766554433221100", tl.toString());
        assertEquals(tl, TimelineId.fromBytes(tl.toBytes()));
        byte[] buf = new byte[20];
        tl.writeTo(buf, 3);
        assertEquals(tl, TimelineId.read(buf, 3));
    }

    @Test
    void parseErrorsNameTheInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TenantId.parse("abc"));
        assertTrue(e.getMessage().contains("'abc'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimelineId.parse("ffeeddccbbaa9988776655443322110g"));
        assertTrue(e.getMessage().contains("timeline id") && e.getMessage().contains("110g"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TimelineId.fromBytes(new byte[15]));
    }

    @Test
    void generateIsRandomAndOrderIsUnsigned() {
        assertNotEquals(TenantId.generate(), TenantId.generate());
        TenantId low = TenantId.parse("7f000000000000000000000000000000");
        TenantId high = TenantId.parse("80000000000000000000000000000000");
        assertTrue(low.compareTo(high) < 0);
    }

    @Test
    void tenantAndTimelineIdsAreDifferentTypes() {
        String hex = "00112233445566778899aabbccddeeff";
        assertNotEquals((Object) TenantId.parse(hex), TimelineId.parse(hex));
    }
}
