package io.strata.engine.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlobHeaderTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] encode(BlobHeader h) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[h.headerLen()]);
        assertEquals(h.headerLen(), h.encode(b, 0));
        return b.byteArray();
    }

    private static BlobHeader decode(String hex) {
        byte[] b = hex(hex);
        return BlobHeader.decode(new UnsafeBuffer(b), 0, b.length, 8192);
    }

    @Test
    void lengthBoundaries() {
        assertArrayEquals(hex("00"), encode(BlobHeader.of(0, BlobCompression.UNCOMPRESSED)));
        assertArrayEquals(hex("7F"), encode(BlobHeader.of(127, BlobCompression.UNCOMPRESSED)));
        assertArrayEquals(hex("80000080"), encode(BlobHeader.of(128, BlobCompression.UNCOMPRESSED)));
        assertArrayEquals(hex("8FFFFFFF"), encode(BlobHeader.of(0x0FFF_FFFF, BlobCompression.UNCOMPRESSED)));
        assertArrayEquals(hex("9FFFFFFF"), encode(BlobHeader.of(0x0FFF_FFFF, BlobCompression.ZSTD)));
        // a compressed payload shorter than 128 bytes keeps the 4-byte header
        assertArrayEquals(hex("9000002A"), encode(BlobHeader.of(42, BlobCompression.ZSTD)));
        BlobTooLargeException e = assertThrows(BlobTooLargeException.class,
                () -> BlobHeader.of(0x1000_0000, BlobCompression.UNCOMPRESSED));
        assertEquals(0x1000_0000, e.length());
    }

    @Test
    void decodeTakesHeaderSizeFromTheTopBitOnly() {
        assertEquals(new BlobHeader(1, 0x7F, BlobCompression.UNCOMPRESSED), decode("7F"));
        assertEquals(new BlobHeader(1, 0, BlobCompression.UNCOMPRESSED), decode("00 FFFF"));
        assertEquals(new BlobHeader(4, 0x2A, BlobCompression.ZSTD), decode("9000002A"));
        assertEquals(new BlobHeader(4, 5, BlobCompression.UNCOMPRESSED), decode("80000005"));
        assertEquals(new BlobHeader(4, 0x0FFF_FFFF, BlobCompression.UNCOMPRESSED), decode("8FFFFFFF"));
        assertEquals(0x0FFF_FFFF + 4, decode("8FFFFFFF").totalLen());
    }

    @ParameterizedTest
    @ValueSource(ints = {0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0})
    void reservedCodesAreCorruption(int code) {
        BlobCorruptionException e = assertThrows(BlobCorruptionException.class,
                () -> decode(String.format("%02X000010", code | 0x01)));
        assertEquals(8192, e.blobOffset());
        assertTrue(e.getMessage().contains(String.format("invalid compression code 0x%02X", code)), e.getMessage());
    }

    @Test
    void truncatedHeaders() {
        assertThrows(BlobCorruptionException.class, () -> decode(""));
        BlobCorruptionException e = assertThrows(BlobCorruptionException.class, () -> decode("80 00 01"));
        assertTrue(e.getMessage().contains("cut short"), e.getMessage());
    }
}
