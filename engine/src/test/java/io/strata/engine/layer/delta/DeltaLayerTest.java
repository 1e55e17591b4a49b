package io.strata.engine.layer.delta;

import static io.strata.engine.layer.LayerTestSupport.T;
import static io.strata.engine.layer.LayerTestSupport.TENANT;
import static io.strata.engine.layer.LayerTestSupport.TIMELINE;
import static io.strata.engine.layer.LayerTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.BlobCompression;
import io.strata.engine.blob.BlobReader;
import io.strata.engine.btree.BtreeKeyValue;
import io.strata.engine.btree.VisitDirection;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerSummaryMismatchException;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.engine.value.ValueCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Delta layers written and read back: values, BlobRefs, load_keys extents, names, limits and corruption. */
class DeltaLayerTest {
    static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");
    static final Lsn LSN_START = new Lsn(0x100);
    static final Lsn LSN_END = new Lsn(0x10000);

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

    record Version(Key key, Lsn lsn) implements Comparable<Version> {
        @Override
        public int compareTo(Version o) {
            int c = key.compareTo(o.key);
            return c != 0 ? c : lsn.compareTo(o.lsn);
        }
    }

    static Value randomValue(SplittableRandom rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> new Value.Image(bytes(rnd, rnd.nextInt(3) == 0 ? 8192 : rnd.nextInt(200)));
            case 1, 2 -> new Value.WalRecord(new NeonWalRecord.Postgres(rnd.nextBoolean(), bytes(rnd,
                    rnd.nextInt(rnd.nextBoolean() ? 100 : 20_000))));
            case 3 -> new Value.WalRecord(new NeonWalRecord.ClearVisibilityMapFlags(OptionalInt.of(rnd.nextInt()),
                    OptionalInt.empty(), rnd.nextInt(256)));
            case 4 -> new Value.WalRecord(new NeonWalRecord.ClogSetAborted(new int[] {rnd.nextInt(), 7}));
            default -> new Value.Image(new byte[0]);
        };
    }

    static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    static TreeMap<Version, Value> randomVersions(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TreeMap<Version, Value> versions = new TreeMap<>();
        while (versions.size() < n) {
            Key key = START.add(rnd.nextInt(200));
            Lsn lsn = new Lsn(LSN_START.value() + rnd.nextInt((int) (LSN_END.value() - LSN_START.value())));
            versions.put(new Version(key, lsn), randomValue(rnd));
        }
        return versions;
    }

    WrittenLayer<DeltaLayerSummary> write(TreeMap<Version, Value> versions, Key end) {
        return DeltaLayerWriter.write(io.ctx(), START, LSN_START, LSN_END,
                w -> Flux.fromIterable(versions.entrySet())
                        .concatMap(e -> w.putValue(e.getKey().key(), e.getKey().lsn(), e.getValue()))
                        .then(Mono.defer(() -> {
                            assertEquals(versions.size(), w.numEntries());
                            return w.finish(end);
                        }))).block(T);
    }

    @Test
    void randomVersionsRoundTrip() throws Exception {
        TreeMap<Version, Value> versions = randomVersions(42, 2000);
        Key end = START.add(200);
        WrittenLayer<DeltaLayerSummary> layer = write(versions, end);
        DeltaLayerName name = new DeltaLayerName(new KeyRange(START, end), LSN_START, LSN_END);
        assertEquals(dir.resolve(name + "-v1-dead0001"), layer.path());
        assertEquals(List.of(layer.path()), io.files());
        byte[] file = Files.readAllBytes(layer.path());
        assertEquals(layer.fileSize(), file.length);
        UnsafeBuffer window = new UnsafeBuffer(file);

        DeltaLayerReader reader = DeltaLayerReader.open(io.engine, io.cache, layer.path(),
                DeltaLayerSummary.expected(TENANT, TIMELINE, new KeyRange(START, end), LSN_START, LSN_END)).block(T);
        try {
            List<BtreeKeyValue> index = reader.index().scanCopies(new byte[DeltaKey.SIZE], VisitDirection.FORWARDS)
                    .collectList().block(T);
            List<DeltaEntry> entries = reader.loadKeys().collectList().block(T);
            assertEquals(versions.size(), index.size());
            assertEquals(versions.size(), entries.size());
            int i = 0;
            int willInit = 0;
            try (BlobReader blobs = new BlobReader()) {
                for (Map.Entry<Version, Value> e : versions.entrySet()) {
                    BtreeKeyValue kv = index.get(i);
                    DeltaEntry entry = entries.get(i);
                    i++;
                    assertArrayEquals(DeltaKey.of(e.getKey().key(), e.getKey().lsn()), kv.key());
                    assertEquals(e.getKey().key(), entry.key());
                    assertEquals(e.getKey().lsn(), entry.lsn());
                    BlobRef ref = new BlobRef(kv.value());
                    assertEquals(ref, entry.blobRef());
                    assertEquals(e.getValue().willInit(), ref.willInit(), "will_init of " + e.getKey());
                    willInit += ref.willInit() ? 1 : 0;
                    byte[] raw = blobs.readBytes(window, 0, ref.pos());
                    assertArrayEquals(e.getValue().serialize(), raw);
                    assertEquals(e.getValue(), ValueCodec.deserialize(raw));
                    assertEquals(BlobCompression.UNCOMPRESSED, BlobReader.header(window, 0, ref.pos()).compression());
                    long next = i < index.size() ? new BlobRef(index.get(i).value()).pos()
                            : reader.summary().indexStartBlk() * 8192;
                    assertEquals(next - ref.pos(), entry.size(), "extent of " + e.getKey());
                }
            }
            assertTrue(willInit > 0 && willInit < versions.size());
            // the last extent includes the padding up to the index
            DeltaEntry last = entries.get(entries.size() - 1);
            assertEquals(reader.valuesEnd(), last.blobRef().pos() + last.size());
            Version probe = versions.firstKey();
            assertEquals(index.get(0).value(), reader.index().get(DeltaKey.of(probe.key(), probe.lsn())).block(T));
        } finally {
            reader.close().block(T);
        }
    }

    @Test
    void valuesPutDecodedOrSerializedMakeTheSameFile() throws Exception {
        TreeMap<Version, Value> versions = randomVersions(43, 3000);
        Key end = START.add(200);
        WrittenLayer<DeltaLayerSummary> decoded = write(versions, end);
        byte[] fromValues = Files.readAllBytes(decoded.path());
        Files.delete(decoded.path());
        WrittenLayer<DeltaLayerSummary> serialized = DeltaLayerWriter.write(io.ctx(), START, LSN_START, LSN_END,
                w -> Flux.fromIterable(versions.entrySet())
                        .concatMap(e -> w.putValueBytes(e.getKey().key(), e.getKey().lsn(), e.getValue().serialize(),
                                e.getValue().willInit()))
                        .then(Mono.defer(() -> w.finish(end)))).block(T);
        assertArrayEquals(fromValues, Files.readAllBytes(serialized.path()));
    }

    @Test
    void summaryBytes() throws Exception {
        TreeMap<Version, Value> one = new TreeMap<>();
        one.put(new Version(START, LSN_START), new Value.Image("foobar".getBytes(StandardCharsets.UTF_8)));
        WrittenLayer<DeltaLayerSummary> layer = write(one, START.add(1));
        byte[] file = Files.readAllBytes(layer.path());
        assertEquals(3 * 8192, file.length, "summary, one value block, one leaf");
        assertEquals("5a61" + "0003" + "00112233445566778899aabbccddeeff" + "ffeeddccbbaa99887766554433221100"
                        + "000000067f00000001000000ae0000000000" + "000000067f00000001000000ae0000000001"
                        + "0000000000000100" + "0000000000010000" + "00000002" + "00000000",
                hex(file, 0, DeltaLayerSummary.SIZE));
        assertArrayEquals(new byte[8192 - 96], Arrays.copyOfRange(file, 96, 8192));
        // blob: 1-byte header (18) + Image("foobar"); BlobRef = 8192 << 1 | 1
        assertEquals("12" + "00000000" + "0000000000000006" + "666f6f626172", hex(file, 8192, 8192 + 19));
        assertEquals("0001" + "00" + "00" + "1a" + "000000067f00000001000000ae0000000000" + "0000000000000100"
                + "0000004001", hex(file, 2 * 8192, 2 * 8192 + 5 + 26 + 5));
    }

    @Test
    void l0LayerCoversTheWholeKeyRange() throws Exception {
        WrittenLayer<DeltaLayerSummary> layer = DeltaLayerWriter.createL0(io.ctx(Generation.none()), LSN_START,
                        LSN_END)
                .flatMap(w -> w.putValue(Key.MIN, LSN_START, new Value.Image(new byte[3]))
                        .then(w.putValue(START, LSN_START, new Value.Image(new byte[3])))
                        .then(w.finishL0()))
                .block(T);
        assertEquals(KeyRange.FULL, layer.summary().keyRange());
        assertTrue(((DeltaLayerName) layer.name()).isL0());
        assertEquals(dir.resolve("000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                + "__0000000000000100-0000000000010000"), layer.path());
    }

    @Test
    void temporaryNameUsesXxxForTheUnknownEndKey() throws Exception {
        DeltaLayerWriter w = DeltaLayerWriter.create(io.ctx(), START, LSN_START, LSN_END).block(T);
        try {
            String name = w.tempPath().getFileName().toString();
            assertTrue(name.matches("000000067F00000001000000AE0000000000-XXX__0000000000000100-0000000000010000"
                    + "\\.[0-9a-f]+\\.___temp"), name);
        } finally {
            w.abort().block(T);
        }
        assertEquals(List.of(), io.files());
    }

    @Test
    void rejectedPuts() throws Exception {
        DeltaLayerWriter w = DeltaLayerWriter.create(io.ctx(), START, LSN_START, LSN_END).block(T);
        Value v = new Value.Image(new byte[] {1});
        try {
            w.putValue(START.add(1), new Lsn(0x200), v).block(T);
            StepVerifier.create(w.putValue(START.add(1), new Lsn(0x200), v))
                    .expectErrorMessage("duplicate (key, lsn) in delta layer: " + START.add(1) + "@0/200 was already"
                            + " written").verify(T);
            StepVerifier.create(w.putValueBytes(START.add(1), new Lsn(0x1FF), v.serialize(), true))
                    .expectErrorMessage("delta layer entries must be in strictly increasing (key, lsn) order: "
                            + START.add(1) + "@0/1FF is below the previous " + START.add(1) + "@0/200").verify(T);
            StepVerifier.create(w.putValue(START, new Lsn(0x300), v))
                    .expectError(IllegalArgumentException.class).verify(T);
            StepVerifier.create(w.putValue(START.add(2), new Lsn(0xFF), v))
                    .expectErrorMessage("LSN 0/FF of key " + START.add(2) + " is outside the delta layer's LSN range"
                            + " [0/100, 0/10000)").verify(T);
            StepVerifier.create(w.putValue(START.add(2), LSN_END, v)).expectError(IllegalArgumentException.class)
                    .verify(T);
            StepVerifier.create(w.putValue(Key.MIN, new Lsn(0x300), v))
                    .expectErrorMessage("key " + Key.MIN + " is below the delta layer's start key " + START).verify(T);
            assertEquals(1, w.numEntries());
            w.putValue(START.add(1), new Lsn(0x201), v).block(T);
            StepVerifier.create(w.finish(START.add(1))).expectError(IllegalArgumentException.class).verify(T);
        } finally {
            w.abort().block(T);
        }
        io.awaitNoTempFiles();
        assertEquals(List.of(), io.files());
        StepVerifier.create(DeltaLayerWriter.create(io.ctx(), START, LSN_END, LSN_END))
                .expectError(IllegalArgumentException.class).verify(T);
    }

    @Test
    void fileAboveTheUploadLimitIsRemoved() throws Exception {
        StepVerifier.create(DeltaLayerWriter.create(io.ctx(), START, LSN_START, LSN_END)
                        .flatMap(w -> w.withUploadLimit(3 * 8192 - 1)
                                .putValue(START, LSN_START, new Value.Image(new byte[10]))
                                .then(w.finish(START.add(1)))))
                .expectErrorMatches(e -> e.getMessage().contains("would be 24576 bytes, above the limit of 24575"))
                .verify(T);
        io.awaitNoTempFiles();
        assertEquals(List.of(), io.files());
    }

    @Test
    void validationRewriteAndCorruption() throws Exception {
        WrittenLayer<DeltaLayerSummary> layer = write(randomVersions(7, 300), START.add(200));
        Path path = layer.path();
        DeltaLayerSummary expected = DeltaLayerSummary.expected(TENANT, TIMELINE, layer.summary().keyRange(),
                LSN_START, LSN_END);
        var mismatch = assertThrows(LayerSummaryMismatchException.class, () -> DeltaLayerReader.open(io.engine,
                io.cache, path, DeltaLayerSummary.expected(TENANT, TIMELINE, layer.summary().keyRange(), LSN_START,
                        new Lsn(0x10001))).block(T));
        assertEquals("lsn_range", mismatch.field());

        byte[] before = Files.readAllBytes(path);
        TenantId other = TenantId.generate();
        DeltaLayerReader.rewriteSummary(io.engine, path, s -> s.withTenantId(other)).block(T);
        byte[] after = Files.readAllBytes(path);
        assertArrayEquals(Arrays.copyOfRange(before, 8192, before.length),
                Arrays.copyOfRange(after, 8192, after.length));
        assertEquals(other, DeltaLayerReader.open(io.engine, io.cache, path, expected.withTenantId(other))
                .flatMap(r -> Mono.just(r.summary().tenantId()).delayUntil(x -> r.close())).block(T));

        LayerTestSupport.overwrite(path, 0, new byte[] {0x5A, 0x60});
        var e = assertThrows(LayerCorruptionException.class,
                () -> DeltaLayerReader.open(io.engine, io.cache, path, null).block(T));
        assertEquals("corrupt layer file " + path + ": bad magic 0x5A60 (image layer), expected 0x5A61 (delta layer)",
                e.getMessage());
        LayerTestSupport.overwrite(path, 0, new byte[] {0x5A, 0x61});

        // found by DeltaLayerFuzzTest: empty ranges failed later, in layerName(), without naming the file
        LayerTestSupport.overwrite(path, 36, new byte[] {0x2B}); // key_range.start's field1
        e = assertThrows(LayerCorruptionException.class,
                () -> DeltaLayerReader.open(io.engine, io.cache, path, null).block(T));
        assertTrue(e.getMessage().startsWith("corrupt layer file " + path + ": empty key range 2B0000067F"),
                e.getMessage());
        LayerTestSupport.overwrite(path, 36, new byte[] {before[36]});
        LayerTestSupport.overwrite(path, 72, new byte[] {(byte) 0xFF}); // lsn_range.start's top byte
        e = assertThrows(LayerCorruptionException.class,
                () -> DeltaLayerReader.open(io.engine, io.cache, path, null).block(T));
        assertTrue(e.getMessage().startsWith("corrupt layer file " + path + ": empty lsn range FF000000/"),
                e.getMessage());
        LayerTestSupport.overwrite(path, 72, new byte[] {before[72]});

        // an index value pointing into the summary block: load_keys refuses it
        long leaf = layer.summary().indexStartBlk() * 8192;
        byte[] header = Arrays.copyOfRange(after, (int) leaf, (int) leaf + 5);
        int n = ((header[0] & 0xFF) << 8) | (header[1] & 0xFF);
        int values = 5 + (header[3] & 0xFF) + n * (header[4] & 0xFF);
        LayerTestSupport.overwrite(path, leaf + values, new byte[] {0, 0, 0, 0, 2});
        DeltaLayerReader r = DeltaLayerReader.open(io.engine, io.cache, path, null).block(T);
        try {
            var bad = assertThrows(LayerCorruptionException.class, () -> r.loadKeys().blockLast(T));
            assertTrue(bad.getMessage().contains("index: blob offset 1 is outside the values region"),
                    bad.getMessage());
        } finally {
            r.close().block(T);
        }
        // garbage root
        long root = layer.summary().indexStartBlk() + layer.summary().indexRootBlk();
        byte[] garbage = new byte[8192];
        new SplittableRandom(5).nextBytes(garbage);
        LayerTestSupport.overwrite(path, root * 8192, garbage);
        DeltaLayerReader r2 = DeltaLayerReader.open(io.engine, io.cache, path, null).block(T);
        try {
            assertInstanceOf(LayerCorruptionException.class,
                    assertThrows(RuntimeException.class, () -> r2.loadKeys().blockLast(T)));
        } finally {
            r2.close().block(T);
        }
        LayerTestSupport.truncate(path, 4096);
        assertThrows(LayerCorruptionException.class,
                () -> DeltaLayerReader.open(io.engine, io.cache, path, null).block(T));
    }

    @Test
    void blobRefAndDeltaKey() {
        assertEquals(0x4001, BlobRef.encode(8192, true));
        assertEquals(new BlobRef(0x4000), BlobRef.of(8192, false));
        assertEquals(8192, new BlobRef(0x4001).pos());
        assertThrows(IllegalArgumentException.class, () -> BlobRef.encode(BlobRef.MAX_POS + 1, false));
        byte[] k = DeltaKey.of(START, new Lsn(0x0123456789ABCDEFL));
        assertEquals("000000067f00000001000000ae0000000000" + "0123456789abcdef", hex(k, 0, 26));
        assertEquals(START, DeltaKey.key(k));
        assertEquals(new Lsn(0x0123456789ABCDEFL), DeltaKey.lsn(k));
    }
}
