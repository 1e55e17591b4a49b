package io.strata.engine.layer.image;

import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;

/** Neon's {@code image_layer_rewrite}, through {@link ImageLayerReader#filter}: FORMAT 12's sizes, exact keys. */
class ImageLayerFilterTest {
    static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");
    static final Key END = Key.fromHex("000000067F00000001000000AE0000002000");
    static final KeyRange RANGE = new KeyRange(START, END);
    static final Lsn LSN = new Lsn(0xDEADBEEF0000L);
    static final byte[] IMAGE = {1, 2, 3, 4};

    @TempDir
    Path dir;
    LayerTestSupport io;
    final AlignedBufferPool pool = new AlignedBufferPool(256 * 1024, 8, 4096).trackLeaks(true);

    @BeforeEach
    void setUp() {
        io = new LayerTestSupport(dir);
    }

    @AfterEach
    void tearDown() {
        io.close();
        pool.assertNoLeaks();
    }

    private WrittenLayer<ImageLayerSummary> write(ImageCompressionAlgorithm compression, Generation gen,
                                                  Predicate<Key> keep) {
        return ImageLayerWriter.create(io.ctx(gen), RANGE, LSN, compression)
                .flatMap(w -> Flux.range(0, 0x2000).map(START::add).filter(keep)
                        .concatMap(k -> w.putImage(k, IMAGE))
                        .then(w.finish()))
                .block(T);
    }

    @ParameterizedTest
    @ValueSource(strings = {"disabled", "zstd(1)"})
    void rewriteForFourShardsGivesNeonsSizesAndExactlyTheShardsKeys(String compression) throws Exception {
        ImageCompressionAlgorithm algo = ImageCompressionAlgorithm.parse(compression);
        WrittenLayer<ImageLayerSummary> original = write(algo, Generation.of(0xdead0001), k -> true);
        assertEquals(122_880, original.fileSize());
        ImageLayerReader reader = ImageLayerReader.open(io.engine, io.cache, original.path(), null).block(T);
        try {
            long[] expectedKeys = {0x800, 0, 0x800, 0x1000};
            long[] expectedSizes = {49_152, 0, 49_152, 73_728};
            for (int n = 0; n < 4; n++) {
                ShardIdentity shard = ShardIdentity.of(n, 4, 0x800);
                Generation gen = Generation.of(0xdead0002 + n);
                ImageLayerWriter writer = ImageLayerWriter.create(io.ctx(gen), RANGE, LSN, algo).block(T);
                long wrote = reader.filter(shard, writer, pool).block(T);
                assertEquals(expectedKeys[n], wrote, "keys kept by shard " + n);
                if (wrote == 0) {
                    writer.abort().block(T);
                    assertFalse(io.files().stream().anyMatch(p -> p.getFileName().toString().contains(gen.localSuffix())),
                            "no file for shard " + n);
                    continue;
                }
                WrittenLayer<ImageLayerSummary> filtered = writer.finish().block(T);
                assertEquals(expectedSizes[n], filtered.fileSize(), "size of shard " + n);
                assertEquals(expectedSizes[n], Files.size(filtered.path()));
                assertTrue(filtered.fileSize() < original.fileSize());
                assertKeysAndValues(filtered.path(), k -> !shard.isKeyDisposable(k));

                // byte for byte what writing the shard's keys directly gives (generation aside, not in the file)
                WrittenLayer<ImageLayerSummary> direct = write(algo, Generation.none(),
                        k -> !shard.isKeyDisposable(k));
                assertArrayEquals(Files.readAllBytes(direct.path()), Files.readAllBytes(filtered.path()));
                Files.delete(direct.path());
            }
        } finally {
            reader.close().block(T);
        }
        io.awaitNoTempFiles();
    }

    private void assertKeysAndValues(Path path, Predicate<Key> keep) {
        List<Key> expected = Flux.range(0, 0x2000).map(START::add).filter(keep).collectList().block(T);
        ImageLayerReader filtered = ImageLayerReader.open(io.engine, io.cache, path, null).block(T);
        try {
            assertEquals(expected, filtered.loadKeys().collectList().block(T));
            List<LayerEntry> entries = filtered.iterator(pool, IteratorOptions.DEFAULT).collectList().block(T);
            assertEquals(expected, entries.stream().map(LayerEntry::key).toList());
            for (LayerEntry e : entries) {
                assertEquals(LSN, e.lsn());
                assertEquals(new Value.Image(IMAGE), e.value());
            }
        } finally {
            filtered.close().block(T);
        }
    }
}
