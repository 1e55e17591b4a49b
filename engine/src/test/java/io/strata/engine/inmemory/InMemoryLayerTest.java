package io.strata.engine.inmemory;

import static io.strata.engine.layer.LayerTestSupport.T;
import static io.strata.engine.layer.LayerTestSupport.TENANT;
import static io.strata.engine.layer.LayerTestSupport.TIMELINE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.CountingIoEngine;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.read.IoConcurrency;
import io.strata.engine.read.ReconstructResults;
import io.strata.engine.read.ValueReconstructState;
import io.strata.engine.read.ValuesReconstructState;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.engine.walredo.LsnRecord;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoOperationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The in-memory layer: puts, Neon's read planning through a ValuesReconstructState, freeze, entries, the L0 flush
 * read back by the delta layer reader, close; and Neon's IndexEntry packing.
 */
class InMemoryLayerTest {
    static final Key K0 = Key.fromHex("000000067F00000001000000AE0000000000");
    static final Lsn START = new Lsn(0x100);
    static final AtomicLong IDS = new AtomicLong(1000);

    @TempDir
    Path dir;
    LayerTestSupport io;
    AlignedBufferPool pool;
    final List<InMemoryLayer> layers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        io = new LayerTestSupport(dir);
        // small buffers: most values of a test are in the file, not in the tail
        pool = new AlignedBufferPool(8192, 16, 4096).trackLeaks(true);
    }

    @AfterEach
    void tearDown() {
        try {
            for (InMemoryLayer l : layers) {
                l.close().block(T);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (pool.available() < pool.capacity() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            pool.assertNoLeaks();
        } finally {
            io.close();
        }
    }

    InMemoryLayer layer(IoEngine engine) {
        InMemoryLayer l = InMemoryLayer.create(engine, dir, IDS.incrementAndGet(), START, pool).block(T);
        layers.add(l);
        return l;
    }

    InMemoryLayer layer() {
        return layer(io.engine);
    }

    static Lsn lsn(long v) {
        return new Lsn(v);
    }

    static Value image(int seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return new Value.Image(b);
    }

    static Value record(int seed, boolean willInit) {
        byte[] b = new byte[20 + seed % 50];
        new SplittableRandom(seed).nextBytes(b);
        return new Value.WalRecord(new NeonWalRecord.Postgres(willInit, b));
    }

    static NeonWalRecord rec(Value v) {
        return ((Value.WalRecord) v).record();
    }

    static ValuesReconstructState get(InMemoryLayer layer, KeySpace ks, Lsn floor, Lsn ceil) {
        ValuesReconstructState state = new ValuesReconstructState(IoConcurrency.SEQUENTIAL);
        layer.getValuesReconstructData(ks, floor, ceil, state).block(T);
        return state;
    }

    static Map<Key, ValueReconstructState> values(InMemoryLayer layer, KeySpace ks, Lsn floor, Lsn ceil) {
        return ReconstructResults.collect(get(layer, ks, floor, ceil), T);
    }

    static List<Lsn> recordLsns(ValueReconstructState s) {
        return s.records().stream().map(LsnRecord::lsn).toList();
    }

    @Test
    void putAndGetRoundTrip() {
        InMemoryLayer layer = layer();
        Value img = image(1, 8192);
        Value r1 = record(2, false);
        Value r2 = record(3, false);
        Value other = image(4, 100);
        layer.put(K0, lsn(0x110), img).block(T);
        layer.put(K0, lsn(0x120), r1).block(T);
        layer.put(K0.add(1), lsn(0x118), other).block(T);
        layer.put(K0, lsn(0x130), r2).block(T);
        assertEquals(2, layer.keyCount());
        assertEquals(lsn(0x130), layer.maxLsn().orElseThrow());
        assertEquals(img.serialize().length + r1.serialize().length + r2.serialize().length
                + other.serialize().length, layer.size());

        Map<Key, ValueReconstructState> got = values(layer, KeySpace.single(KeyRange.FULL), START, Lsn.MAX);
        assertEquals(List.of(K0, K0.add(1)), List.copyOf(got.keySet()));
        ValueReconstructState k0 = got.get(K0);
        assertEquals(List.of(lsn(0x130), lsn(0x120)), recordLsns(k0));
        assertEquals(rec(r2), k0.records().get(0).record());
        assertEquals(rec(r1), k0.records().get(1).record());
        assertEquals(lsn(0x110), k0.img().orElseThrow().lsn());
        assertArrayEquals(((Value.Image) img).bytes(), k0.img().orElseThrow().page());
        assertArrayEquals(((Value.Image) other).bytes(), got.get(K0.add(1)).img().orElseThrow().page());

        // a key space of one key, a key not in the layer
        assertEquals(List.of(K0.add(1)), List.copyOf(values(layer, KeySpace.single(KeyRange.singleton(K0.add(1))),
                START, Lsn.MAX).keySet()));
        assertTrue(values(layer, KeySpace.single(KeyRange.singleton(K0.add(2))), START, Lsn.MAX).isEmpty());
    }

    @Test
    void willInitStopsAKey() {
        InMemoryLayer layer = layer();
        layer.put(K0, lsn(0x110), image(1, 50)).block(T);
        layer.put(K0, lsn(0x120), record(2, false)).block(T);
        layer.put(K0, lsn(0x130), record(3, true)).block(T);
        layer.put(K0, lsn(0x140), record(4, false)).block(T);
        Key other = K0.add(7);
        layer.put(other, lsn(0x115), record(5, false)).block(T);

        ValuesReconstructState state = get(layer, KeySpace.single(KeyRange.FULL), START, Lsn.MAX);
        assertEquals(Map.of(K0, 2, other, 1), ReconstructResults.planned(state));
        assertTrue(ReconstructResults.isComplete(state, K0), "the will_init record completes the key");
        assertFalse(ReconstructResults.isComplete(state, other), "older layers are still needed for this one");
        Map<Key, ValueReconstructState> got = ReconstructResults.collect(state, T);
        assertEquals(List.of(lsn(0x140), lsn(0x130)), recordLsns(got.get(K0)));
        assertTrue(got.get(K0).img().isEmpty());

        // below the will_init record, the image stops the key
        got = values(layer, KeySpace.single(KeyRange.FULL), START, lsn(0x130));
        assertEquals(List.of(lsn(0x120)), recordLsns(got.get(K0)));
        assertEquals(lsn(0x110), got.get(K0).img().orElseThrow().lsn());
    }

    @Test
    void theLsnRangeIsFloorInclusiveCeilExclusive() {
        InMemoryLayer layer = layer();
        for (int i = 1; i <= 4; i++) {
            layer.put(K0, lsn(0x100 + 0x10L * i), record(i, false)).block(T);
        }
        assertEquals(List.of(lsn(0x130), lsn(0x120)),
                recordLsns(values(layer, KeySpace.single(KeyRange.FULL), lsn(0x120), lsn(0x140)).get(K0)));
        assertEquals(List.of(lsn(0x140), lsn(0x130), lsn(0x120), lsn(0x110)),
                recordLsns(values(layer, KeySpace.single(KeyRange.FULL), START, lsn(0x141)).get(K0)));
        assertTrue(values(layer, KeySpace.single(KeyRange.FULL), lsn(0x141), Lsn.MAX).isEmpty());
        assertTrue(values(layer, KeySpace.single(KeyRange.FULL), START, lsn(0x110)).isEmpty());
        assertTrue(values(layer, KeySpace.single(KeyRange.FULL), lsn(0x125), lsn(0x130)).isEmpty());
    }

    @Test
    void severalRangesOfAKeySpace() {
        InMemoryLayer layer = layer();
        List<LayerEntry> batch = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            batch.add(new LayerEntry(K0.add(k), lsn(0x200 + k), image(k, 300)));
        }
        layer.putBatch(batch).block(T);
        KeySpace ks = KeySpace.of(new KeyRange(K0.add(2), K0.add(5)), new KeyRange(K0.add(10), K0.add(11)),
                new KeyRange(K0.add(18), K0.add(40)));
        Map<Key, ValueReconstructState> got = values(layer, ks, START, Lsn.MAX);
        assertEquals(List.of(K0.add(2), K0.add(3), K0.add(4), K0.add(10), K0.add(18), K0.add(19)),
                List.copyOf(got.keySet()));
        for (Map.Entry<Key, ValueReconstructState> e : got.entrySet()) {
            int k = (int) (e.getKey().field6() - K0.field6());
            assertArrayEquals(((Value.Image) image(k, 300)).bytes(), e.getValue().img().orElseThrow().page());
        }
    }

    @Test
    void putsAreReadableAtOnceWhileTheLayerIsWritten() {
        InMemoryLayer layer = layer();
        SplittableRandom rnd = new SplittableRandom(5);
        TreeMap<Key, Lsn> latest = new TreeMap<>();
        Map<Key, Value> latestValue = new TreeMap<>();
        long l = 0x200;
        for (int i = 0; i < 400; i++) {
            Key key = K0.add(rnd.nextInt(30));
            Value v = image(i, rnd.nextInt(3) == 0 ? 8192 : 1 + rnd.nextInt(3000));
            layer.put(key, lsn(l), v).block(T);
            latest.put(key, lsn(l));
            latestValue.put(key, v);
            // the put just completed is visible, from the tail or from the file
            ValueReconstructState s = values(layer, KeySpace.single(KeyRange.singleton(key)), START, lsn(l + 1))
                    .get(key);
            assertEquals(lsn(l), s.img().orElseThrow().lsn());
            assertArrayEquals(((Value.Image) v).bytes(), s.img().orElseThrow().page());
            l += 1 + rnd.nextInt(10);
        }
        Map<Key, ValueReconstructState> all = values(layer, KeySpace.single(KeyRange.FULL), START, Lsn.MAX);
        assertEquals(latest.keySet(), all.keySet());
        for (Key k : latest.keySet()) {
            assertEquals(latest.get(k), all.get(k).img().orElseThrow().lsn());
            assertArrayEquals(((Value.Image) latestValue.get(k)).bytes(), all.get(k).img().orElseThrow().page());
        }
    }

    @Test
    void aReaderConcurrentWithTheWriterSeesEveryCompletedPut() throws Exception {
        InMemoryLayer layer = layer();
        int puts = 1500;
        AtomicLong completed = new AtomicLong(-1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                long seen;
                do {
                    seen = completed.get();
                    if (seen < 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                    // every version put so far is found, newest first (records only: nothing stops the key)
                    ValueReconstructState s = values(layer, KeySpace.single(KeyRange.singleton(K0)), START,
                            lsn(0x1000 + seen + 1)).get(K0);
                    List<Lsn> lsns = recordLsns(s);
                    if (lsns.size() < seen + 1 || !lsns.get(lsns.size() - 1 - (int) seen).equals(lsn(0x1000 + seen))) {
                        throw new AssertionError("after put " + seen + " the read found " + lsns.size() + " versions");
                    }
                } while (seen < puts - 1);
            } catch (Throwable e) {
                error.set(e);
            }
        }, "inmem-reader");
        reader.start();
        try {
            for (int i = 0; i < puts; i++) {
                layer.put(K0, lsn(0x1000 + i), record(i, false)).block(T);
                completed.set(i);
            }
        } finally {
            reader.join();
        }
        if (error.get() != null) {
            throw new AssertionError(error.get());
        }
    }

    @Test
    void frozenLayersRejectPutsAndFreezeChecksItsEnd() {
        InMemoryLayer layer = layer();
        assertFalse(layer.isFrozen());
        assertEquals(Lsn.MAX, layer.endLsn());
        assertEquals("inmem-0000000000000100-FFFFFFFFFFFFFFFF", layer.describe());
        layer.put(K0, lsn(0x180), record(1, true)).block(T);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.freeze(START));
        assertTrue(e.getMessage().contains("must be above its start LSN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> layer.freeze(lsn(0x180)));
        assertTrue(e.getMessage().contains("must be above its largest LSN 0/180"), e.getMessage());
        assertFalse(layer.isFrozen());

        layer.freeze(lsn(0x181));
        assertTrue(layer.isFrozen());
        assertEquals(lsn(0x181), layer.endLsn());
        assertEquals("inmem-0000000000000100-0000000000000181", layer.describe());
        assertEquals(layer.describe(), layer.toString());
        assertThrows(IllegalStateException.class, () -> layer.freeze(lsn(0x190)));
        long size = layer.size();
        StepVerifier.create(layer.put(K0, lsn(0x190), record(2, false))).expectErrorSatisfies(err -> {
            assertInstanceOf(IllegalStateException.class, err);
            assertEquals("put of key " + K0 + " at 0/190 into frozen in-memory layer "
                    + "inmem-0000000000000100-0000000000000181", err.getMessage());
        }).verify(T);
        assertEquals(size, layer.size());
        // still readable
        assertEquals(List.of(lsn(0x180)), recordLsns(values(layer, KeySpace.single(KeyRange.FULL), START,
                Lsn.MAX).get(K0)));
    }

    @Test
    void badPutsAreRejectedBeforeAnythingIsWritten() {
        InMemoryLayer layer = layer();
        layer.put(K0, lsn(0x150), record(1, false)).block(T);
        long size = layer.size();
        StepVerifier.create(layer.put(K0, lsn(0x150), record(2, false)))
                .expectErrorMessage("key " + K0 + " at LSN 0/150 is already in in-memory layer "
                        + "inmem-0000000000000100-FFFFFFFFFFFFFFFF")
                .verify(T);
        StepVerifier.create(layer.put(K0, lsn(0x140), record(2, false)))
                .expectErrorMessage("key " + K0 + " at LSN 0/140 is below the key's latest LSN 0/150 in in-memory "
                        + "layer inmem-0000000000000100-FFFFFFFFFFFFFFFF: a key's versions must be put in LSN order")
                .verify(T);
        StepVerifier.create(layer.put(K0.add(1), lsn(0xFF), record(2, false)))
                .expectErrorMessage("LSN 0/FF of key " + K0.add(1) + " is below the start LSN 0/100 of in-memory "
                        + "layer inmem-0000000000000100-FFFFFFFFFFFFFFFF")
                .verify(T);
        // a duplicate inside one batch rejects the whole batch
        StepVerifier.create(layer.putBatch(List.of(new LayerEntry(K0.add(1), lsn(0x160), record(3, false)),
                        new LayerEntry(K0.add(2), lsn(0x160), record(4, false)),
                        new LayerEntry(K0.add(1), lsn(0x160), record(5, false)))))
                .expectErrorMessage("key " + K0.add(1) + " at LSN 0/160 is already in in-memory layer "
                        + "inmem-0000000000000100-FFFFFFFFFFFFFFFF")
                .verify(T);
        assertEquals(size, layer.size());
        assertEquals(1, layer.keyCount());
        assertEquals(Map.of(K0, 1), ReconstructResults.planned(get(layer, KeySpace.single(KeyRange.FULL), START,
                Lsn.MAX)));
        // the layer goes on working
        layer.put(K0, lsn(0x151), record(6, false)).block(T);
        assertEquals(1, layer.keyCount());
        assertEquals(lsn(0x151), layer.maxLsn().orElseThrow());
    }

    @Test
    void putsMustBeSequentialAndFreezeWaitsForNone() {
        HookedIoEngine engine = new HookedIoEngine(io.engine);
        InMemoryLayer layer = layer(engine);
        engine.holdWrites();
        // four buffers: two writes held in flight, then the put waits for a write slot
        List<LayerEntry> big = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            big.add(new LayerEntry(K0.add(i), lsn(0x200), image(i, 8192)));
        }
        Mono<Void> first = layer.putBatch(big).cache();
        first.subscribe(null, e -> { });
        StepVerifier.create(layer.put(K0.add(500), lsn(0x300), record(1, false)))
                .expectErrorMessage("put into in-memory layer inmem-0000000000000100-FFFFFFFFFFFFFFFF while another "
                        + "put or a freeze is running: puts must be sequential")
                .verify(T);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> layer.freeze(lsn(0x400)));
        assertEquals("freeze of in-memory layer inmem-0000000000000100-FFFFFFFFFFFFFFFF while a put is running",
                e.getMessage());
        assertEquals(0, layer.keyCount(), "indexed only once appended");
        engine.releaseWrites();
        first.block(T);
        assertEquals(4, layer.keyCount());
        layer.put(K0.add(500), lsn(0x300), record(1, false)).block(T);
        layer.freeze(lsn(0x400));
    }

    @Test
    void aCancelledPutStillCompletes() {
        HookedIoEngine engine = new HookedIoEngine(io.engine);
        InMemoryLayer layer = layer(engine);
        engine.holdWrites();
        List<LayerEntry> big = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            big.add(new LayerEntry(K0.add(i), lsn(0x200), image(i, 8192)));
        }
        layer.putBatch(big).subscribe().dispose();
        engine.releaseWrites();
        // the next put is refused until the cancelled one is done; then it goes through
        Mono.defer(() -> layer.put(K0.add(9), lsn(0x300), record(1, false)))
                .retryWhen(reactor.util.retry.Retry.indefinitely()
                        .filter(err -> err.getMessage().contains("puts must be sequential")))
                .block(T);
        assertEquals(5, layer.keyCount());
        assertEquals(5, values(layer, KeySpace.single(KeyRange.FULL), START, Lsn.MAX).size());
    }

    @Test
    void entriesComeInKeyLsnOrderBatchByBatch() throws Exception {
        CountingIoEngine counting = new CountingIoEngine(io.engine, Long.MAX_VALUE);
        InMemoryLayer layer = layer(counting);
        SplittableRandom rnd = new SplittableRandom(9);
        TreeMap<Key, TreeMap<Lsn, Value>> model = new TreeMap<>();
        long l = 0x1000;
        for (int i = 0; i < 300; i++) {
            List<LayerEntry> batch = new ArrayList<>();
            for (int j = 0; j < 1 + rnd.nextInt(5); j++) {
                Key key = K0.add(rnd.nextInt(100));
                Lsn at = lsn(l++);
                Value v = rnd.nextBoolean() ? image(i * 10 + j, 1 + rnd.nextInt(9000)) : record(i * 10 + j,
                        rnd.nextBoolean());
                batch.add(new LayerEntry(key, at, v));
                model.computeIfAbsent(key, k -> new TreeMap<>()).put(at, v);
            }
            layer.putBatch(batch).block(T);
        }
        List<LayerEntry> expected = new ArrayList<>();
        model.forEach((k, versions) -> versions.forEach((at, v) -> expected.add(new LayerEntry(k, at, v))));
        assertEquals(expected, layer.entries().collectList().block(T));
        assertEquals(expected, layer.entries(new IteratorOptions(10_000, 3)).collectList().block(T));

        // backpressure: one value asked, one batch read (4 values of at most ~9 KiB: a few 8 KiB reads at most)
        counting.reads.set(0);
        StepVerifier.create(layer.entries(new IteratorOptions(1 << 20, 4)), 0)
                .thenRequest(1)
                .expectNext(expected.get(0))
                .then(() -> assertTrue(counting.reads.get() <= 8, "reads after one value: " + counting.reads.get()))
                .thenCancel()
                .verify(T);
    }

    @Test
    void writeToDiskProducesAnL0DeltaLayerWithTheSameEntries() throws Exception {
        InMemoryLayer layer = layer();
        SplittableRandom rnd = new SplittableRandom(11);
        long l = 0x200;
        for (int i = 0; i < 500; i++) {
            Key key = K0.add(rnd.nextInt(60));
            Value v = rnd.nextInt(3) == 0 ? image(i, rnd.nextInt(9000)) : record(i, rnd.nextInt(5) == 0);
            layer.put(key, lsn(l), v).block(T);
            l += 1 + rnd.nextInt(3);
        }
        StepVerifier.create(layer.writeToDisk(io.ctx())).expectErrorMessage("write to disk of in-memory layer "
                + "inmem-0000000000000100-FFFFFFFFFFFFFFFF, which is not frozen").verify(T);
        Lsn end = lsn(l);
        layer.freeze(end);
        List<LayerEntry> entries = layer.entries().collectList().block(T);

        WrittenLayer<DeltaLayerSummary> written = layer.writeToDisk(io.ctx()).block(T);
        DeltaLayerName name = new DeltaLayerName(new KeyRange(Key.MIN, Key.MAX), START, end);
        assertEquals(name, written.name());
        assertTrue(name.isL0());
        assertEquals(io.ctx().finalPath(name), written.path());
        DeltaLayerReader reader = DeltaLayerReader.open(io.engine, io.cache, written.path(),
                DeltaLayerSummary.expected(TENANT, TIMELINE, new KeyRange(Key.MIN, Key.MAX), START, end)).block(T);
        try {
            assertEquals(entries, reader.iterator(io.readPool, IteratorOptions.DEFAULT).collectList().block(T));
            // the will_init bits were copied with the bytes
            List<Boolean> willInit = reader.loadKeys().map(e -> e.blobRef().willInit()).collectList().block(T);
            assertEquals(entries.stream().map(e -> e.value().willInit()).toList(), willInit);
        } finally {
            reader.close().block(T);
        }
        Files.delete(written.path());

        // only the keys of a range, still as an L0 layer
        KeyRange some = new KeyRange(K0.add(10), K0.add(20));
        WrittenLayer<DeltaLayerSummary> part = layer.writeToDisk(io.ctx(), some).block(T);
        assertEquals(name, part.name());
        DeltaLayerReader partReader = DeltaLayerReader.open(io.engine, io.cache, part.path(), null).block(T);
        try {
            assertEquals(entries.stream().filter(e -> some.contains(e.key())).toList(),
                    partReader.iterator(io.readPool, IteratorOptions.DEFAULT).collectList().block(T));
        } finally {
            partReader.close().block(T);
        }
        Files.delete(part.path());
        // no key in the range: no layer
        StepVerifier.create(layer.writeToDisk(io.ctx(), new KeyRange(K0.add(1000), K0.add(2000))))
                .verifyComplete();
        io.awaitNoTempFiles();
    }

    @Test
    void aLayerTooLargeToReadWholeIsFlushedInBatchesToTheSameFile() throws Exception {
        assertEquals(32L << 20, InMemoryLayer.wholeFileFlushLimit(256L << 20));
        assertEquals(InMemoryLayer.WHOLE_FILE_FLUSH_LIMIT, InMemoryLayer.wholeFileFlushLimit(64L << 30));
        InMemoryLayer layer = layer();
        SplittableRandom rnd = new SplittableRandom(12);
        long l = 0x200;
        for (int i = 0; i < 3000; i++) { // more than one batch of IteratorOptions.DEFAULT (1024 values)
            Key key = K0.add(rnd.nextInt(700));
            Value v = rnd.nextInt(3) == 0 ? image(i, rnd.nextInt(9000)) : record(i, rnd.nextInt(5) == 0);
            layer.put(key, lsn(l), v).block(T);
            l += 1 + rnd.nextInt(3);
        }
        layer.freeze(lsn(l));
        WrittenLayer<DeltaLayerSummary> whole = layer.writeToDisk(io.ctx(), null, Long.MAX_VALUE).block(T);
        byte[] wholeBytes = Files.readAllBytes(whole.path());
        Files.delete(whole.path());
        WrittenLayer<DeltaLayerSummary> batched = layer.writeToDisk(io.ctx(), null, 0).block(T);
        assertEquals(whole.name(), batched.name());
        assertArrayEquals(wholeBytes, Files.readAllBytes(batched.path()), "batched flush wrote other bytes");
        Files.delete(batched.path());
        io.awaitNoTempFiles();
    }

    @Test
    void aFailedReadFailsEveryValueOfTheRead() {
        HookedIoEngine engine = new HookedIoEngine(io.engine);
        InMemoryLayer layer = layer(engine);
        for (int i = 0; i < 10; i++) {
            layer.put(K0.add(i), lsn(0x200 + i), image(i, 8000)).block(T); // ten 8 KiB buffers: most in the file
        }
        engine.failReads = true;
        ValuesReconstructState state = get(layer, KeySpace.single(KeyRange.FULL), START, Lsn.MAX);
        assertEquals(0, state.activeIos(), "every IO was completed");
        StepVerifier.create(ReconstructResults.collect(state)).expectErrorSatisfies(e -> {
            IoOperationException ioe = assertInstanceOf(IoOperationException.class, e);
            assertEquals(layer.path(), ioe.path());
        }).verify(T);
        engine.failReads = false;
        assertEquals(10, values(layer, KeySpace.single(KeyRange.FULL), START, Lsn.MAX).size());
    }

    @Test
    void closeDeletesTheFileAndRefusesLaterUse() {
        InMemoryLayer layer = layer();
        assertTrue(layer.path().getFileName().toString().startsWith("ephemeral-"));
        assertEquals("ephemeral-" + layer.id(), layer.path().getFileName().toString());
        layer.put(K0, lsn(0x200), image(1, 20_000)).block(T);
        assertTrue(Files.exists(layer.path()));
        layer.close().block(T);
        assertFalse(Files.exists(layer.path()));
        layer.close().block(T);
        assertEquals(pool.capacity(), pool.available());
        StepVerifier.create(layer.put(K0, lsn(0x300), record(1, false)))
                .expectErrorMessage("put into closed in-memory layer inmem-0000000000000100-FFFFFFFFFFFFFFFF")
                .verify(T);
        StepVerifier.create(layer.getValuesReconstructData(KeySpace.single(KeyRange.FULL), START, Lsn.MAX,
                        new ValuesReconstructState(IoConcurrency.SEQUENTIAL)))
                .expectErrorMessage("read of closed in-memory layer inmem-0000000000000100-FFFFFFFFFFFFFFFF")
                .verify(T);
        StepVerifier.create(layer.entries()).expectError(IllegalStateException.class).verify(T);
    }

    @Test
    void concurrentIoCompletesWhileTheNextLayerIsPlanned() {
        InMemoryLayer layer = layer();
        layer.put(K0, lsn(0x200), image(1, 8192)).block(T);
        layer.put(K0, lsn(0x210), record(2, false)).block(T);
        ValuesReconstructState state = new ValuesReconstructState(IoConcurrency.CONCURRENT);
        layer.getValuesReconstructData(KeySpace.single(KeyRange.FULL), START, Lsn.MAX, state).block(T);
        ValueReconstructState s = ReconstructResults.collect(state, T).get(K0);
        assertEquals(List.of(lsn(0x210)), recordLsns(s));
        assertEquals(lsn(0x200), s.img().orElseThrow().lsn());
    }

    /** Neon's test_index_entry. */
    @Test
    void indexEntryPacking() {
        long maxPos = IndexEntry.MAX_SUPPORTED_POS;
        int maxLen = IndexEntry.MAX_SUPPORTED_BLOB_LEN;
        for (long pos : new long[] {0, maxPos}) {
            for (int len : new int[] {0, maxLen}) {
                for (boolean willInit : new boolean[] {true, false}) {
                    for (long[] split : new long[][] {{pos, 0}, {0, pos}}) {
                        long e = IndexEntry.pack(split[0], split[1], len, willInit);
                        assertEquals(willInit, IndexEntry.willInit(e));
                        assertEquals(len, IndexEntry.len(e));
                        assertEquals(pos, IndexEntry.pos(e));
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> IndexEntry.pack(0, 0, maxLen + 1L, false));
        assertThrows(IllegalArgumentException.class, () -> IndexEntry.pack(maxPos + 1, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> IndexEntry.pack(0, maxPos + 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> IndexEntry.pack(maxPos, 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> IndexEntry.pack(maxPos - 1, maxPos - 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> IndexEntry.pack(Long.MAX_VALUE, Long.MAX_VALUE, 0,
                false));
        // the area past the max supported pos that len reaches
        for (int len : new int[] {1, maxLen}) {
            for (long[] split : new long[][] {{maxPos, 0}, {0, maxPos}}) {
                long e = IndexEntry.pack(split[0], split[1], len, false);
                assertFalse(IndexEntry.willInit(e));
                assertEquals(len, IndexEntry.len(e));
                assertEquals(maxPos, IndexEntry.pos(e));
            }
        }
        assertEquals(35, IndexEntry.MAX_SUPPORTED_POS_BITS);
        assertEquals(null, IndexEntry.validateCheckpointDistance(256L << 20));
        assertEquals("exceeds the maximum supported value", IndexEntry.validateCheckpointDistance(maxPos + 1));
    }

    @Test
    void theLayerReadsAsAnInMemoryLayer() {
        InMemoryLayer layer = layer();
        assertFalse(layer.isDelta());
        assertEquals(START, layer.startLsn());
        assertTrue(layer.maxLsn().isEmpty());
        assertEquals(0, layer.size());
        assertEquals(0, layer.keyCount());
        assertTrue(layer.entries().collectList().block(T).isEmpty());
        assertTrue(values(layer, KeySpace.single(KeyRange.FULL), START, Lsn.MAX).isEmpty());
        layer.putBatch(List.of()).block(T);
        assertEquals(0, layer.size());
        assertTrue(Flux.from(layer.entries()).collectList().block(T).isEmpty());
    }
}
