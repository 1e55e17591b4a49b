package io.strata.engine.layer.image;

import static io.strata.engine.layer.LayerTestSupport.T;
import static io.strata.engine.layer.LayerTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
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

/** The worked example of FORMAT 12 (Neon's {@code image_layer_rewrite}), byte for byte. */
class ImageLayerFormatTest {
    static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");
    static final Key END = Key.fromHex("000000067F00000001000000AE0000002000");
    static final Lsn LSN = new Lsn(0xDEADBEEF0000L);
    static final byte[] IMAGE = {1, 2, 3, 4};

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

    private WrittenLayer<ImageLayerSummary> write(ImageCompressionAlgorithm compression, Generation gen,
                                                  Predicate<Key> keep) {
        return ImageLayerWriter.create(io.ctx(gen), new KeyRange(START, END), LSN, compression)
                .flatMap(w -> Flux.range(0, 0x2000).map(START::add).filter(keep)
                        .concatMap(k -> w.putImage(k, IMAGE))
                        .then(w.finish()))
                .block(T);
    }

    @ParameterizedTest
    @ValueSource(strings = {"disabled", "zstd(1)"})
    void eightThousandKeysGiveNeonsExactFile(String compression) throws Exception {
        WrittenLayer<ImageLayerSummary> layer = write(ImageCompressionAlgorithm.parse(compression),
                Generation.of(0xdead0001), k -> true);

        assertEquals(dir.resolve("000000067F00000001000000AE0000000000-000000067F00000001000000AE0000002000"
                + "__0000DEADBEEF0000-v1-dead0001"), layer.path());
        assertEquals(List.of(layer.path()), io.files(), "only the final file is left");
        byte[] file = Files.readAllBytes(layer.path());
        assertEquals(122_880, file.length);
        assertEquals(122_880, layer.fileSize());
        assertEquals(6, layer.summary().indexStartBlk());
        assertEquals(8, layer.summary().indexRootBlk());

        assertEquals("5a60" + "0003" + "00112233445566778899aabbccddeeff" + "ffeeddccbbaa99887766554433221100"
                        + "000000067f00000001000000ae0000000000" + "000000067f00000001000000ae0000002000"
                        + "0000deadbeef0000" + "00000006" + "00000008",
                hex(file, 0, ImageLayerSummary.SIZE));
        assertZero(file, ImageLayerSummary.SIZE, 8192);

        // values: 8192 blobs "04 01020304" back to back from 8192, then zeros to block 6
        for (int i = 0; i < 8192; i++) {
            assertEquals("0401020304", hex(file, 8192 + 5 * i, 8192 + 5 * i + 5), "blob " + i);
        }
        assertZero(file, 8192 + 5 * 8192, 6 * 8192);

        // first leaf (block 6) and the root (block 14, the last)
        int leaf = 6 * 8192;
        assertEquals("048f001002" + "000000067f00000001000000ae000000" + "00000001",
                hex(file, leaf, leaf + 5 + 16 + 4));
        int leafValues = leaf + 5 + 16 + 0x48F * 2;
        assertEquals("0000002000" + "0000002005" + "000000200a", hex(file, leafValues, leafValues + 15));
        int root = 14 * 8192;
        StringBuilder rootHex = new StringBuilder("0008010012");
        for (int f6 : new int[] {0x0000, 0x048F, 0x091E, 0x0DAD, 0x123C, 0x16CB, 0x1B5A, 0x1FE9}) {
            rootHex.append(START.add(f6).toString().toLowerCase());
        }
        for (int b = 0; b < 8; b++) {
            rootHex.append("80").append(String.format("%08x", b));
        }
        assertEquals(rootHex.toString(), hex(file, root, root + 5 + 8 * 23));
        assertZero(file, root + 5 + 8 * 23, root + 8192);
        // the last leaf (block 13) holds 23 uncompressed keys: 5 + 23 * 23 = 534 bytes
        int lastLeaf = 13 * 8192;
        assertEquals("0017000012", hex(file, lastLeaf, lastLeaf + 5));
        assertZero(file, lastLeaf + 534, lastLeaf + 8192);

        ImageLayerReader reader = ImageLayerReader.open(io.engine, io.cache, layer.path(),
                ImageLayerSummary.expected(LayerTestSupport.TENANT, LayerTestSupport.TIMELINE,
                        new KeyRange(START, END), LSN)).block(T);
        try {
            assertEquals(layer.summary(), reader.summary());
            List<Key> keys = reader.loadKeys().collectList().block(T);
            assertEquals(8192, keys.size());
            assertEquals(START, keys.get(0));
            assertEquals(START.add(0x1FFF), keys.get(8191));
            assertEquals(8192L + 5 * 0x1234, reader.index().get(START.add(0x1234).toBytes()).block(T));
        } finally {
            reader.close().block(T);
        }
    }

    /** The shard-filtered rewrites of the same layer: Neon asserts 49 152 and 73 728 bytes (FORMAT 12.3). */
    @ParameterizedTest
    @ValueSource(ints = {0, 2, 3})
    void shardFilteredLayersHaveNeonsSizes(int shardNumber) throws Exception {
        ShardIdentity shard = ShardIdentity.of(shardNumber, 4, 0x800);
        WrittenLayer<ImageLayerSummary> layer = write(ImageCompressionAlgorithm.DEFAULT, Generation.none(),
                k -> !shard.isKeyDisposable(k));
        assertEquals(dir.resolve("000000067F00000001000000AE0000000000-000000067F00000001000000AE0000002000"
                + "__0000DEADBEEF0000"), layer.path(), "no generation: no suffix");
        long expectedSize = shardNumber == 3 ? 73_728 : 49_152;
        assertEquals(expectedSize, Files.size(layer.path()));
        assertEquals(shardNumber == 3 ? 4 : 3, layer.summary().indexStartBlk());
        assertEquals(shardNumber == 3 ? 4 : 2, layer.summary().indexRootBlk());
    }

    static void assertZero(byte[] file, int from, int to) {
        byte[] zeros = new byte[to - from];
        byte[] actual = new byte[to - from];
        System.arraycopy(file, from, actual, 0, actual.length);
        assertArrayEquals(zeros, actual, "bytes " + from + ".." + to + " must be zero");
        assertTrue(to >= from);
    }
}
