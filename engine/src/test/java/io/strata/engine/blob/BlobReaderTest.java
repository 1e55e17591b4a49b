package io.strata.engine.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class BlobReaderTest {
    final BlobReader reader = new BlobReader();

    @AfterEach
    void close() {
        reader.close();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void uncompressedPayloadIsAViewOfTheWindow() {
        byte[] window = concat(bytes(0xEE, 0xEE), bytes(3, 'a', 'b', 'c'), bytes(0x80, 0, 0, 2, 'x', 'y'));
        UnsafeBuffer w = new UnsafeBuffer(window);
        DirectBuffer abc = reader.read(w, 1000, 1002);
        assertEquals(3, abc.capacity());
        assertEquals('a', abc.getByte(0));
        window[3] = 'z';
        assertEquals('z', abc.getByte(0), "a view, not a copy");
        assertArrayEquals(bytes('x', 'y'), reader.readBytes(w, 1000, 1006));
        assertEquals(new BlobHeader(4, 2, BlobCompression.UNCOMPRESSED), BlobReader.header(w, 1000, 1006));
    }

    @Test
    void readsFromADirectWindowSlice() {
        byte[] page = BlobWriterTest.compressiblePage();
        MemorySink sink = new MemorySink();
        long off;
        try (BlobWriter bw = new BlobWriter(sink, 8192, ImageCompressionAlgorithm.DEFAULT)) {
            bw.writeBlob(new byte[5]);
            off = bw.writeBlob(page);
            StepVerifier.create(bw.flush()).verifyComplete();
        }
        byte[] file = sink.toByteArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(file.length + 100);
        direct.position(37);
        direct.put(file);
        UnsafeBuffer window = new UnsafeBuffer(direct, 37, file.length);
        assertArrayEquals(page, reader.readBytes(window, 8192, off));
        DirectBuffer viaView = reader.read(window, 8192, off);
        byte[] copy = new byte[viaView.capacity()];
        viaView.getBytes(0, copy);
        assertArrayEquals(page, copy);
        assertArrayEquals(new byte[5], reader.readBytes(window, 8192, 8192));
    }

    @Test
    void payloadRunningPastTheWindowIsReportedNotAllocated() {
        UnsafeBuffer w = new UnsafeBuffer(bytes(0x8F, 0xFF, 0xFF, 0xFF, 1, 2, 3));
        BlobCorruptionException e = assertThrows(BlobCorruptionException.class, () -> reader.readBytes(w, 500, 500));
        assertEquals(500, e.blobOffset());
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
        assertThrows(BlobCorruptionException.class, () -> reader.read(new UnsafeBuffer(bytes(5, 1, 2)), 0, 0));
        assertThrows(BlobCorruptionException.class, () -> reader.read(new UnsafeBuffer(bytes(1, 2, 0x90)), 0, 2));
    }

    @Test
    void corruptHeaderCodes() {
        BlobCorruptionException e = assertThrows(BlobCorruptionException.class,
                () -> reader.read(new UnsafeBuffer(bytes(0, 0xB0, 0, 0, 1, 9)), 4096, 4097));
        assertEquals(4097, e.blobOffset());
        assertTrue(e.getMessage().contains("corrupt blob at offset 4097: invalid compression code 0xB0"),
                e.getMessage());
    }

    @Test
    void offsetOutsideTheWindow() {
        UnsafeBuffer w = new UnsafeBuffer(bytes(0));
        assertThrows(IllegalArgumentException.class, () -> reader.read(w, 10, 9));
        assertThrows(IllegalArgumentException.class, () -> reader.read(w, 10, 11));
    }

    @Test
    void garbageTruncatedOrTrailingZstdPayloads() {
        byte[] frame = Zstd.compress(BlobWriterTest.compressiblePage(), 1);
        byte[] garbage = concat(bytes(0x90, 0, 0, 8), bytes(1, 2, 3, 4, 5, 6, 7, 8));
        assertTrue(assertThrows(BlobCorruptionException.class,
                () -> reader.readBytes(new UnsafeBuffer(garbage), 0, 0)).getMessage().contains("invalid zstd"));
        byte[] cut = Arrays.copyOf(frame, frame.length - 3);
        byte[] truncated = concat(bytes(0x90, 0, 0, cut.length), cut);
        assertThrows(BlobCorruptionException.class, () -> reader.readBytes(new UnsafeBuffer(truncated), 0, 0));
        byte[] trailing = concat(bytes(0x90, 0, (frame.length + 2) >> 8, (frame.length + 2) & 0xFF), frame,
                bytes(0, 0));
        assertTrue(assertThrows(BlobCorruptionException.class,
                () -> reader.readBytes(new UnsafeBuffer(trailing), 0, 0)).getMessage().contains("after the zstd"));
        // the reader is still usable after errors
        byte[] good = concat(bytes(0x90, 0, frame.length >> 8, frame.length & 0xFF), frame);
        assertArrayEquals(BlobWriterTest.compressiblePage(), reader.readBytes(new UnsafeBuffer(good), 0, 0));
    }

    @Test
    void largeDecompressedPayloadGrowsTheOutput() {
        byte[] big = new byte[3 << 20];
        Arrays.fill(big, (byte) 7);
        byte[] frame = Zstd.compress(big, 3);
        byte[] blob = concat(bytes(0x90 | (frame.length >>> 24), (frame.length >>> 16) & 0xFF,
                (frame.length >>> 8) & 0xFF, frame.length & 0xFF), frame);
        assertArrayEquals(big, reader.readBytes(new UnsafeBuffer(blob), 0, 0));
    }

    @Test
    void decompressionStopsAtTheOutputCap() {
        byte[] big = new byte[1 << 20];
        byte[] frame = Zstd.compress(big, 1);
        try (ZstdBlobDecompressor small = new ZstdBlobDecompressor(64 * 1024)) {
            BlobCorruptionException e = assertThrows(BlobCorruptionException.class,
                    () -> small.decompress(ByteBuffer.wrap(frame), 77));
            assertEquals(77, e.blobOffset());
            assertTrue(e.getMessage().contains("more than 65536 bytes"), e.getMessage());
            assertArrayEquals(new byte[65536], small.decompress(ByteBuffer.wrap(Zstd.compress(new byte[65536], 1)), 0));
        }
    }
}
