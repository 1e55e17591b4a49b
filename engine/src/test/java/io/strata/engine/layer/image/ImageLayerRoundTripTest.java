package io.strata.engine.layer.image;

import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.BlobCompression;
import io.strata.engine.blob.BlobReader;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.btree.BtreeKeyValue;
import io.strata.engine.btree.VisitDirection;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Random keys and page sizes 0..64 KiB written and read back through the index and the blob reader. */
class ImageLayerRoundTripTest {
    static final KeyRange RANGE = new KeyRange(Key.fromHex("000000067F00000001000000000000000000"),
            Key.fromHex("000000067F00000002000000000000000000"));
    static final Lsn LSN = new Lsn(0x1_0000_0000L);

    @TempDir
    Path dir;
    LayerTestSupport io;

    @BeforeEach
    void setUp() {
        io = new LayerTestSupport(dir);
    }

    @AfterEach
    void tearDown() {
        io.close();
    }

    /** Random distinct keys inside RANGE with random images: incompressible, compressible, empty, tiny. */
    static TreeMap<Key, byte[]> randomImages(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TreeMap<Key, byte[]> images = new TreeMap<>();
        while (images.size() < n) {
            Key key = new Key(0, 0x67F, 1, rnd.nextInt(1000), rnd.nextInt(4), rnd.nextInt());
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
            images.put(key, img);
        }
        return images;
    }

    static WrittenLayer<ImageLayerSummary> write(LayerTestSupport io, TreeMap<Key, byte[]> images,
                                                 ImageCompressionAlgorithm compression) {
        return ImageLayerWriter.create(io.ctx(), RANGE, LSN, compression)
                .flatMap(w -> Flux.fromIterable(images.entrySet())
                        .concatMap(e -> w.putImage(e.getKey(), e.getValue()))
                        .then(Mono.defer(() -> {
                            assertEquals(images.size(), w.numKeys());
                            assertTrue(w.estimatedSize() > 8192);
                            return w.finish();
                        })))
                .block(T);
    }

    @ParameterizedTest
    @ValueSource(strings = {"disabled", "zstd(1)", "zstd"})
    void randomImagesRoundTrip(String compression) throws Exception {
        TreeMap<Key, byte[]> images = randomImages(compression.hashCode(), 600);
        WrittenLayer<ImageLayerSummary> layer = write(io, images, ImageCompressionAlgorithm.parse(compression));
        byte[] bytes = Files.readAllBytes(layer.path());
        assertEquals(layer.fileSize(), bytes.length);
        assertEquals(0, bytes.length % 8192);
        DirectBuffer window = new UnsafeBuffer(bytes);

        ImageLayerReader reader = ImageLayerReader.open(io.engine, io.cache, layer.path(), null).block(T);
        try {
            assertEquals(new ArrayList<>(images.keySet()), reader.loadKeys().collectList().block(T));
            List<BtreeKeyValue> entries = reader.index().scanCopies(new byte[18],
                    VisitDirection.FORWARDS).collectList().block(T);
            assertEquals(images.size(), entries.size());
            int compressed = 0;
            long expectedOffset = 8192;
            try (BlobReader blobs = new BlobReader()) {
                int i = 0;
                for (var e : images.entrySet()) {
                    BtreeKeyValue entry = entries.get(i++);
                    assertEquals(e.getKey(), Key.fromBytes(entry.key()));
                    assertEquals(expectedOffset, entry.value(), "blobs are back to back");
                    assertEquals(entry.value(), reader.index().get(e.getKey().toBytes()).block(T));
                    assertArrayEquals(e.getValue(), blobs.readBytes(window, 0, entry.value()),
                            "image of " + e.getKey());
                    var header = BlobReader.header(window, 0, entry.value());
                    if (header.compression() == BlobCompression.ZSTD) {
                        compressed++;
                    }
                    expectedOffset += header.totalLen();
                }
            }
            assertEquals(reader.summary().indexStartBlk(), (expectedOffset + 8191) / 8192);
            if (compression.equals("disabled")) {
                assertEquals(0, compressed);
            } else {
                assertTrue(compressed > 0, "compressible pages are stored compressed");
            }
        } finally {
            reader.close().block(T);
        }
    }

    /** putImageRaw copies blobs verbatim: a rewrite of a zstd layer has the identical values region. */
    @Test
    void rawCopyPreservesBlobsByteForByte() throws Exception {
        TreeMap<Key, byte[]> images = randomImages(99, 300);
        WrittenLayer<ImageLayerSummary> original = write(io, images, ImageCompressionAlgorithm.DEFAULT);
        byte[] bytes = Files.readAllBytes(original.path());
        DirectBuffer window = new UnsafeBuffer(bytes);
        List<Long> offsets = new ArrayList<>();
        ImageLayerReader reader = ImageLayerReader.open(io.engine, io.cache, original.path(), original.summary())
                .block(T);
        try {
            reader.index().scanCopies(new byte[Key.KEY_SIZE], VisitDirection.FORWARDS)
                    .doOnNext(e -> offsets.add(e.value())).blockLast(T);
        } finally {
            reader.close().block(T);
        }
        Path copyDir = Files.createDirectory(dir.resolve("copy"));
        LayerWriteContext ctx = new LayerWriteContext(io.engine, io.writePool, copyDir, LayerTestSupport.TENANT,
                LayerTestSupport.TIMELINE, Generation.of(2));
        List<Key> keys = new ArrayList<>(images.keySet());
        WrittenLayer<ImageLayerSummary> copy = ImageLayerWriter.create(ctx, RANGE, LSN,
                        ImageCompressionAlgorithm.DISABLED)
                .flatMap(w -> Flux.range(0, keys.size())
                        .concatMap(i -> w.putImageRaw(keys.get(i), BlobReader.raw(window, 0, offsets.get(i)), 0,
                                BlobReader.header(window, 0, offsets.get(i)).totalLen()))
                        .then(w.finish()))
                .block(T);
        byte[] copied = Files.readAllBytes(copy.path());
        assertArrayEquals(bytes, copied, "same summary, values and index: the whole file is identical");
    }

}
