package io.strata.engine.layer.image;

import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.CountingIoEngine;
import io.strata.engine.layer.IteratorChecks;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.value.Value;
import io.strata.engine.vectored.VectoredReadException;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@link ImageLayerReader#iterator}: Neon's {@code image_layer_iterator}, round trips, backpressure, failures. */
class ImageLayerIteratorTest {
    static final Key BASE = Key.fromHex("000000000033333333444444445500000000");
    static final Lsn LSN = new Lsn(0x10);

    @TempDir
    Path dir;
    LayerTestSupport io;
    /** Buffers big enough for every read of the small-read options below, so leaks would show. */
    final AlignedBufferPool pool = new AlignedBufferPool(256 * 1024, 8, 4096).trackLeaks(true);

    @BeforeEach
    void setUp() {
        io = new LayerTestSupport(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        io.close();
        IteratorChecks.awaitAllReturned(pool, Duration.ofSeconds(10));
        pool.assertNoLeaks();
    }

    static Key key(int i) {
        return BASE.add(i);
    }

    WrittenLayer<ImageLayerSummary> write(TreeMap<Key, byte[]> images, ImageCompressionAlgorithm compression) {
        KeyRange range = new KeyRange(images.firstKey(), images.lastKey().next());
        return ImageLayerWriter.create(io.ctx(), range, LSN, compression)
                .flatMap(w -> Flux.fromIterable(images.entrySet())
                        .concatMap(e -> w.putImage(e.getKey(), e.getValue()))
                        .then(Mono.defer(w::finish)))
                .block(T);
    }

    ImageLayerReader open(WrittenLayer<ImageLayerSummary> layer) {
        return ImageLayerReader.open(io.engine, io.cache, layer.path(), null).block(T);
    }

    static void assertSame(TreeMap<Key, byte[]> expected, List<LayerEntry> actual) {
        assertEquals(expected.size(), actual.size(), "number of entries");
        int i = 0;
        for (Map.Entry<Key, byte[]> e : expected.entrySet()) {
            LayerEntry got = actual.get(i++);
            assertEquals(e.getKey(), got.key(), "key of entry " + (i - 1));
            assertEquals(LSN, got.lsn());
            assertEquals(new Value.Image(e.getValue()), got.value(), "image of " + e.getKey());
        }
    }

    /** Neon's image_layer_iterator: 1000 "imgNNNNN" images, read sizes {1, 1024} x batch counts. */
    @Test
    void neonBatchSizes() {
        int n = 1000;
        TreeMap<Key, byte[]> images = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            images.put(key(i), String.format("img%05d", i).getBytes(StandardCharsets.UTF_8));
        }
        ImageLayerReader reader = open(write(images, ImageCompressionAlgorithm.DEFAULT));
        try {
            for (long maxReadSize : IteratorChecks.NEON_MAX_READ_SIZES) {
                for (int batch : IteratorChecks.NEON_BATCH_SIZES) {
                    IteratorOptions options = new IteratorOptions(maxReadSize, batch);
                    IteratorChecks.assertFirstBatches(reader.batches(pool, options), maxReadSize, batch, n);
                    List<List<LayerEntry>> all = reader.batches(pool, options).collectList().block(T);
                    assertTrue(all.stream().allMatch(b -> b.size() <= (maxReadSize == 1 ? 1 : batch)));
                    assertSame(images, reader.iterator(pool, options).collectList().block(T));
                }
            }
        } finally {
            reader.close().block(T);
        }
    }

    static TreeMap<Key, byte[]> randomImages(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TreeMap<Key, byte[]> images = new TreeMap<>();
        while (images.size() < n) {
            int size = switch (rnd.nextInt(4)) {
                case 0 -> 0;
                case 1 -> rnd.nextInt(128);
                case 2 -> rnd.nextInt(64 * 1024 + 1);
                default -> 8192;
            };
            byte[] img = new byte[size];
            if (rnd.nextBoolean()) {
                rnd.nextBytes(img);
            } else {
                for (int i = 0; i < size; i++) {
                    img[i] = (byte) (i / 100);
                }
            }
            images.put(key(rnd.nextInt(100_000)), img);
        }
        return images;
    }

    @ParameterizedTest
    @ValueSource(strings = {"disabled", "zstd(1)"})
    void randomImagesRoundTrip(String compression) {
        TreeMap<Key, byte[]> images = randomImages(compression.hashCode(), 400);
        ImageLayerReader reader = open(write(images, ImageCompressionAlgorithm.parse(compression)));
        try {
            for (IteratorOptions options : List.of(IteratorOptions.DEFAULT, new IteratorOptions(64 * 1024, 16),
                    new IteratorOptions(1, 1), new IteratorOptions(100_000, 3),
                    // a span limit below some values (which are then read alone) and well below maxReadSize
                    new IteratorOptions(1 << 20, 1024, 2, 16 * 1024),
                    new IteratorOptions(8L << 20, 1024, 1, 1012 * 1024))) {
                assertSame(images, reader.iterator(pool, options).collectList().block(T));
            }
        } finally {
            reader.close().block(T);
        }
    }

    /** 4096 pages of 8 KiB (32 MiB): asking for 10 must read a couple of hops, not the layer. */
    @Test
    void requestingTenEntriesReadsOnlyAFewReads() throws Exception {
        TreeMap<Key, byte[]> images = new TreeMap<>();
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 4096; i++) {
            byte[] page = new byte[8192];
            rnd.nextBytes(page);
            images.put(key(i), page);
        }
        WrittenLayer<ImageLayerSummary> layer = write(images, ImageCompressionAlgorithm.DISABLED);
        long valuesEnd = layer.summary().indexStartBlk() * 8192L;
        CountingIoEngine counting = new CountingIoEngine(io.engine, valuesEnd);
        ImageLayerReader reader = ImageLayerReader.open(counting, io.cache, layer.path(), null).block(T);
        try {
            IteratorOptions options = new IteratorOptions(64 * 1024, 1024);
            StepVerifier.create(reader.iterator(pool, options), 0)
                    .thenRequest(10)
                    .expectNextCount(10)
                    .thenAwait(Duration.ofMillis(200))
                    .thenCancel()
                    .verify(T);
            long reads = counting.reads.get();
            long bytes = counting.bytes.get();
            // one hop (4 reads: half the pool) and the hop read ahead; the layer has about 512 such reads
            assertTrue(reads >= 1 && reads <= 8, "value reads after 10 entries: " + reads);
            assertTrue(bytes <= 1024 * 1024, "bytes read after 10 entries: " + bytes + " of " + valuesEnd);

            counting.reads.set(0);
            assertEquals(4096, reader.iterator(pool, options).count().block(T));
            assertTrue(counting.reads.get() > 400, "the whole layer takes hundreds of reads");
        } finally {
            reader.close().block(T);
        }
    }

    @Test
    void cancellingMidIterationLeaksNoBuffers() throws Exception {
        TreeMap<Key, byte[]> images = randomImages(3, 600);
        ImageLayerReader reader = open(write(images, ImageCompressionAlgorithm.DEFAULT));
        try {
            IteratorOptions options = new IteratorOptions(32 * 1024, 8);
            IteratorChecks.cancelAtRandomPoints(() -> reader.iterator(pool, options), images.size(), pool, 5, 40);
            assertSame(images, reader.iterator(pool, options).collectList().block(T));
        } finally {
            reader.close().block(T);
        }
    }

    /** A blob header in the middle overwritten with an invalid 4-byte code: the error names file and offset. */
    @Test
    void corruptBlobInTheMiddleNamesFileAndOffset() throws Exception {
        TreeMap<Key, byte[]> images = new TreeMap<>();
        for (int i = 0; i < 1000; i++) {
            images.put(key(i), new byte[100]);
        }
        WrittenLayer<ImageLayerSummary> layer = write(images, ImageCompressionAlgorithm.DISABLED);
        long bad = 8192 + 500 * 101; // 1-byte header + 100 bytes each
        LayerTestSupport.overwrite(layer.path(), bad, new byte[] {(byte) 0xF0});
        ImageLayerReader reader = open(layer);
        try {
            for (IteratorOptions options : List.of(IteratorOptions.DEFAULT, new IteratorOptions(4096, 16))) {
                List<LayerEntry> seen = new ArrayList<>();
                Throwable e = assertThrows(RuntimeException.class,
                        () -> reader.iterator(pool, options).doOnNext(seen::add).blockLast(T));
                VectoredReadException v = assertInstanceOf(VectoredReadException.class, e);
                assertEquals(layer.path(), v.path());
                assertEquals(bad, v.blobOffset());
                assertTrue(v.getMessage().contains(layer.path().toString()), v.getMessage());
                assertTrue(v.getMessage().contains("offset " + bad), v.getMessage());
                assertTrue(seen.size() < 500, "nothing at or after the corrupt blob is delivered");
                for (int i = 0; i < seen.size(); i++) {
                    assertEquals(key(i), seen.get(i).key());
                }
            }
        } finally {
            reader.close().block(T);
        }
    }
}
