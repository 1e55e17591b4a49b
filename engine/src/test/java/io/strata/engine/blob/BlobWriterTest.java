package io.strata.engine.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class BlobWriterTest {
    static final long START = 8192;

    static byte[] incompressible(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** An 8 KiB heap page: a small header, mostly zeros, some tuples at the end. */
    static byte[] compressiblePage() {
        byte[] b = new byte[8192];
        for (int i = 0; i < 24; i++) {
            b[i] = (byte) i;
        }
        for (int i = 6000; i < 8192; i++) {
            b[i] = (byte) ("tuple" + (i / 40)).charAt(i % 5);
        }
        return b;
    }

    private static byte[] payloadAt(byte[] file, long offset) {
        try (BlobReader reader = new BlobReader()) {
            return reader.readBytes(new UnsafeBuffer(file), START, offset);
        }
    }

    @Test
    void shortPayloadsGetOneByteHeaderEvenWithCompression() {
        MemorySink sink = new MemorySink();
        try (BlobWriter w = new BlobWriter(sink, START, ImageCompressionAlgorithm.DEFAULT)) {
            assertEquals(START, w.writeBlob(new byte[0]));
            assertEquals(START + 1, w.writeBlob(new byte[127]));
            assertEquals(-1, w.lastCompressedSize());
            assertEquals(START + 129, w.size());
            StepVerifier.create(w.flush()).verifyComplete();
        }
        byte[] out = sink.toByteArray();
        assertEquals(0x00, out[0]);
        assertEquals(0x7F, out[1]);
        assertEquals(129, out.length);
    }

    @Test
    void aBlobInTwoPartsIsTheBlobOfTheirConcatenationNeverCompressed() {
        byte[] prefix = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        // short and long headers on both sides of 128 bytes, and a compressible page (not compressed here)
        for (byte[] payload : List.of(new byte[0], new byte[115], new byte[116], incompressible(9000, 3),
                compressiblePage())) {
            MemorySink parts = new MemorySink();
            MemorySink whole = new MemorySink();
            byte[] joined = new byte[prefix.length + payload.length];
            System.arraycopy(prefix, 0, joined, 0, prefix.length);
            System.arraycopy(payload, 0, joined, prefix.length, payload.length);
            try (BlobWriter a = new BlobWriter(parts, START, ImageCompressionAlgorithm.DEFAULT);
                 BlobWriter b = new BlobWriter(whole, START, ImageCompressionAlgorithm.DISABLED)) {
                a.writeBlob(new byte[3]);
                b.writeBlob(new byte[3]);
                assertEquals(b.size(), a.writeBlobUncompressed(new UnsafeBuffer(prefix), prefix.length, payload));
                assertFalse(a.lastWrittenCompressed());
                b.writeBlob(joined);
                assertEquals(b.size(), a.size());
                StepVerifier.create(a.flush()).verifyComplete();
                StepVerifier.create(b.flush()).verifyComplete();
            }
            assertArrayEquals(whole.toByteArray(), parts.toByteArray(), "payload of " + payload.length + " bytes");
        }
    }

    @Test
    void disabledCompressionUses0x80From128() {
        MemorySink sink = new MemorySink();
        byte[] page = compressiblePage();
        try (BlobWriter w = new BlobWriter(sink, START, ImageCompressionAlgorithm.DISABLED)) {
            w.writeBlob(new byte[128]);
            w.writeBlob(page);
            assertFalse(w.lastWrittenCompressed());
            StepVerifier.create(w.flush()).verifyComplete();
        }
        byte[] out = sink.toByteArray();
        assertArrayEquals(new byte[] {(byte) 0x80, 0, 0, (byte) 128}, Arrays.copyOfRange(out, 0, 4));
        assertArrayEquals(new byte[] {(byte) 0x80, 0, 0x20, 0}, Arrays.copyOfRange(out, 132, 136));
        assertArrayEquals(page, Arrays.copyOfRange(out, 136, out.length));
    }

    @Test
    void compressiblePageGets0x90AndIncompressibleStays0x80() {
        MemorySink sink = new MemorySink();
        byte[] page = compressiblePage();
        byte[] noise = incompressible(8192, 1);
        long a;
        long b;
        try (BlobWriter w = new BlobWriter(sink, START, ImageCompressionAlgorithm.DEFAULT)) {
            a = w.writeBlob(page);
            assertTrue(w.lastWrittenCompressed());
            int compressed = w.lastCompressedSize();
            assertTrue(compressed > 0 && compressed < 8192);
            b = w.writeBlob(noise);
            assertFalse(w.lastWrittenCompressed());
            assertTrue(w.lastCompressedSize() >= 8192, "zstd cannot shrink random bytes");
            assertEquals(a + 4 + compressed, b);
            assertEquals(b + 4 + 8192, w.size());
            StepVerifier.create(w.flush()).verifyComplete();
        }
        byte[] out = sink.toByteArray();
        assertEquals(0x90, out[(int) (a - START)] & 0xF0);
        assertEquals(0x80, out[(int) (b - START)] & 0xFF);
        assertArrayEquals(page, payloadAt(out, a));
        assertArrayEquals(noise, payloadAt(out, b));
    }

    @Test
    void zstdFrameHasNoContentSizeNoChecksumAndTheStreamingWindow() {
        MemorySink sink = new MemorySink();
        byte[] page = compressiblePage();
        try (BlobWriter w = new BlobWriter(sink, START, ImageCompressionAlgorithm.DEFAULT)) {
            w.writeBlob(page);
            StepVerifier.create(w.flush()).verifyComplete();
        }
        byte[] frame = Arrays.copyOfRange(sink.toByteArray(), 4, sink.toByteArray().length);
        assertArrayEquals(new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD}, Arrays.copyOf(frame, 4), "magic");
        // frame header descriptor: no content size, not single-segment, no checksum, no dictionary id
        assertEquals(0x00, frame[4]);
        // window descriptor of level 1 for an unknown size: windowLog 19 (exponent 9, mantissa 0)
        assertEquals(0x48, frame[5] & 0xFF);
        assertEquals(-1, Zstd.getFrameContentSize(frame), "ZSTD_CONTENTSIZE_UNKNOWN");
        // the one-shot API would differ: it records the content size
        assertFalse(Arrays.equals(frame, Zstd.compress(page, 1)));
    }

    @Test
    void levelsAndTheDefaultLevelRoundTrip() {
        byte[] page = compressiblePage();
        for (ImageCompressionAlgorithm alg : List.of(ImageCompressionAlgorithm.parse("zstd"),
                ImageCompressionAlgorithm.Zstd.level(-7), ImageCompressionAlgorithm.Zstd.level(19),
                ImageCompressionAlgorithm.Zstd.level(127))) {
            MemorySink sink = new MemorySink();
            long off;
            try (BlobWriter w = new BlobWriter(sink, START, alg)) {
                off = w.writeBlob(page);
                assertTrue(w.lastWrittenCompressed(), alg.toString());
                StepVerifier.create(w.flush()).verifyComplete();
            }
            assertArrayEquals(page, payloadAt(sink.toByteArray(), off), alg.toString());
        }
    }

    @Test
    void tooLargeIsCheckedOnTheUncompressedLength() {
        try (BlobWriter w = new BlobWriter(new MemorySink(), START, ImageCompressionAlgorithm.DEFAULT)) {
            BlobTooLargeException e = assertThrows(BlobTooLargeException.class,
                    () -> w.writeBlob(new UnsafeBuffer(new byte[1]), 0, BlobHeader.MAX_SUPPORTED_BLOB_LEN + 1));
            assertTrue(e.getMessage().contains("blob too large (268435456 bytes"), e.getMessage());
            assertEquals(START, w.size());
        }
    }

    @Test
    void blobsCrossTheFlushBoundary() {
        MemorySink sink = new MemorySink();
        SplittableRandom rnd = new SplittableRandom(42);
        List<byte[]> payloads = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        int flushes = 0;
        try (BlobWriter w = new BlobWriter(sink, START, ImageCompressionAlgorithm.DISABLED)) {
            for (int i = 0; i < 400; i++) {
                byte[] p = incompressible(rnd.nextInt(i % 3 == 0 ? 127 : 3000), i);
                payloads.add(p);
                long expected = w.size();
                offsets.add(w.writeBlob(p));
                assertEquals(expected, offsets.get(i));
                Mono<Void> f = w.flushIfNeeded();
                if (w.needsFlush()) {
                    flushes++;
                    StepVerifier.create(f).verifyComplete();
                    assertEquals(0, w.buffered());
                } else {
                    assertSame(Mono.empty(), f);
                }
            }
            StepVerifier.create(w.flush()).verifyComplete();
            StepVerifier.create(w.flush()).verifyComplete();
            assertEquals(START + sink.toByteArray().length, w.size());
        }
        assertTrue(flushes >= 5, "flushes: " + flushes);
        assertTrue(sink.appends.stream().limit(flushes).allMatch(n -> n >= BlobWriter.BUFFER_CAPACITY
                && n < BlobWriter.BUFFER_CAPACITY + 3004), sink.appends.toString());
        byte[] file = sink.toByteArray();
        for (int i = 0; i < payloads.size(); i++) {
            assertArrayEquals(payloads.get(i), payloadAt(file, offsets.get(i)), "blob " + i);
        }
    }

    @Test
    void blobLargerThanTheBufferGrowsItOnce() {
        MemorySink sink = new MemorySink();
        byte[] big = incompressible(200_000, 3);
        try (BlobWriter w = new BlobWriter(sink, START, ImageCompressionAlgorithm.DEFAULT)) {
            w.writeBlob(new byte[] {1, 2, 3});
            long off = w.writeBlob(big);
            assertTrue(w.needsFlush());
            StepVerifier.create(w.flushIfNeeded()).verifyComplete();
            assertEquals(START + 4 + 4 + 200_000, w.size());
            assertArrayEquals(big, payloadAt(sink.toByteArray(), off));
        }
    }

    @Test
    void writeBlobRawCopiesUnchanged() {
        MemorySink source = new MemorySink();
        long a;
        long b;
        try (BlobWriter w = new BlobWriter(source, START, ImageCompressionAlgorithm.DEFAULT)) {
            a = w.writeBlob(compressiblePage());
            b = w.writeBlob(new byte[] {9});
            StepVerifier.create(w.flush()).verifyComplete();
        }
        byte[] src = source.toByteArray();
        UnsafeBuffer window = new UnsafeBuffer(src);
        MemorySink copy = new MemorySink();
        try (BlobWriter w = new BlobWriter(copy, 100, ImageCompressionAlgorithm.DISABLED)) {
            assertEquals(100, w.writeBlobRaw(BlobReader.raw(window, START, b), 0, 2));
            org.agrona.DirectBuffer rawA = BlobReader.raw(window, START, a);
            assertEquals(102, w.writeBlobRaw(rawA, 0, rawA.capacity()));
            StepVerifier.create(w.flush()).verifyComplete();
        }
        byte[] out = copy.toByteArray();
        assertArrayEquals(Arrays.copyOfRange(src, (int) (b - START), src.length), Arrays.copyOfRange(out, 0, 2));
        assertArrayEquals(Arrays.copyOfRange(src, 0, (int) (b - START)), Arrays.copyOfRange(out, 2, out.length));
    }

    @Test
    void writeBlobRawRefusesMalformedBlobs() {
        try (BlobWriter w = new BlobWriter(new MemorySink(), START, ImageCompressionAlgorithm.DISABLED)) {
            BlobCorruptionException e = assertThrows(BlobCorruptionException.class,
                    () -> w.writeBlobRaw(new byte[] {3, 1, 2}));
            assertTrue(e.getMessage().contains("header says 4 bytes"), e.getMessage());
            assertThrows(BlobCorruptionException.class, () -> w.writeBlobRaw(new byte[] {(byte) 0xA0, 0, 0, 0}));
            assertThrows(BlobCorruptionException.class, () -> w.writeBlobRaw(new byte[] {(byte) 0x80, 0}));
            assertEquals(START, w.size());
            assertEquals(START, w.writeBlobRaw(new byte[] {(byte) 0x90, 0, 0, 1, 7}));
        }
    }

    @Test
    void writingDuringAFlushIsRefused() {
        Sinks.Empty<Void> gate = Sinks.empty();
        BlobSink slow = src -> gate.asMono();
        try (BlobWriter w = new BlobWriter(slow, 0, ImageCompressionAlgorithm.DISABLED)) {
            w.writeBlob(new byte[10]);
            StepVerifier.create(w.flush())
                    .then(() -> assertThrows(IllegalStateException.class, () -> w.writeBlob(new byte[1])))
                    .then(gate::tryEmitEmpty)
                    .verifyComplete();
            assertEquals(11, w.writeBlob(new byte[1]));
        }
    }

    @Test
    void aFailedFlushPoisonsTheWriter() {
        BlobSink broken = src -> Mono.error(new java.io.IOException("disk full"));
        try (BlobWriter w = new BlobWriter(broken, 0, ImageCompressionAlgorithm.DISABLED)) {
            w.writeBlob(new byte[10]);
            StepVerifier.create(w.flush()).verifyErrorMessage("disk full");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.writeBlob(new byte[1]));
            assertEquals("disk full", e.getCause().getMessage());
        }
    }
}
