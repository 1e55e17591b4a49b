package io.strata.engine.compaction.legacy;

import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

class Level0IndexMergeTest {
    private static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");

    @TempDir
    Path dir;
    LayerTestSupport io;
    final List<DeltaLayerReader> readers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        io = new LayerTestSupport(dir);
    }

    @AfterEach
    void tearDown() {
        readers.forEach(r -> r.close().block(T));
        io.close();
    }

    /** An L0-shaped layer: random keys of [START, START+keys) at LSNs of [lsnStart, lsnStart+span). */
    private DeltaLayerReader layer(SplittableRandom rnd, int entries, int keys, long lsnStart, long span) {
        TreeMap<Key, TreeMap<Lsn, Value>> versions = new TreeMap<>();
        int n = 0;
        while (n < entries) {
            Key k = START.add(rnd.nextInt(keys));
            Lsn lsn = new Lsn(lsnStart + rnd.nextLong(span));
            if (versions.computeIfAbsent(k, x -> new TreeMap<>()).put(lsn, new Value.Image(new byte[rnd.nextInt(1, 300)]))
                    == null) {
                n++;
            }
        }
        List<Object[]> flat = new ArrayList<>();
        versions.forEach((k, m) -> m.forEach((l, v) -> flat.add(new Object[] {k, l, v})));
        WrittenLayer<DeltaLayerSummary> w = DeltaLayerWriter.write(io.ctx(), START, new Lsn(lsnStart),
                new Lsn(lsnStart + span), wr -> Flux.fromIterable(flat)
                        .concatMap(e -> wr.putValue((Key) e[0], (Lsn) e[1], (Value) e[2]))
                        .then(wr.finish(START.add(keys)))).block(T);
        DeltaLayerReader r = DeltaLayerReader.open(io.engine, io.cache, w.path(), null).block(T);
        readers.add(r);
        return r;
    }

    @Test
    void mergesManyLayersInKeyThenLsnOrderAcrossListBoundaries() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<DeltaLayerReader> layers = new ArrayList<>();
        List<DeltaEntry> expected = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            // uneven sizes, one layer with a single entry: sources run out at different times
            DeltaLayerReader r = layer(rnd, i == 3 ? 1 : 50 + rnd.nextInt(900), 500, 0x1000L + i * 0x1000L, 0x1000);
            layers.add(r);
            expected.addAll(r.loadKeys().collectList().block(T));
        }
        expected.sort(Comparator.comparing(DeltaEntry::key).thenComparing(DeltaEntry::lsn));
        List<DeltaEntry> merged = new ArrayList<>();
        // a batch of 7 entries makes every layer cross many list boundaries
        try (Level0IndexMerge m = new Level0IndexMerge(layers, 7)) {
            m.forEachRemaining(merged::add);
            assertFalse(m.hasNext());
            assertThrows(NoSuchElementException.class, m::next);
        }
        assertEquals(expected, merged);
    }

    @Test
    void emptyInputAndEarlyCloseReleaseEverything() {
        try (Level0IndexMerge m = new Level0IndexMerge(List.of(), 16)) {
            assertFalse(m.hasNext());
        }
        SplittableRandom rnd = new SplittableRandom(8);
        List<DeltaLayerReader> layers = List.of(layer(rnd, 3000, 2000, 0x1000, 0x1000),
                layer(rnd, 3000, 2000, 0x2000, 0x1000));
        try (Level0IndexMerge m = new Level0IndexMerge(layers, 16)) {
            assertTrue(m.hasNext());
            m.next(); // then closed with most of both layers unread: the streams are cancelled
        }
        // the cancelled streams leave no read behind: every buffer of the cache's pool comes back
        long deadline = System.nanoTime() + T.toNanos();
        while (io.cachePool.available() != io.cachePool.capacity() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(io.cachePool.capacity(), io.cachePool.available());
    }

    @Test
    void aCorruptLayerFailsTheMergeWithItsError() throws Exception {
        SplittableRandom rnd = new SplittableRandom(9);
        DeltaLayerReader good = layer(rnd, 500, 300, 0x1000, 0x1000);
        DeltaLayerReader bad = layer(rnd, 500, 300, 0x2000, 0x1000);
        long root = bad.summary().indexStartBlk() + bad.summary().indexRootBlk();
        byte[] garbage = new byte[8192];
        new SplittableRandom(5).nextBytes(garbage);
        LayerTestSupport.overwrite(bad.path(), root * 8192, garbage);
        DeltaLayerReader reopened = DeltaLayerReader.open(io.engine, io.cache, bad.path(), null).block(T);
        readers.add(reopened);
        try (Level0IndexMerge m = new Level0IndexMerge(List.of(good, reopened), 16)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> m.forEachRemaining(x -> { }));
            assertInstanceOf(LayerCorruptionException.class, e instanceof LayerCorruptionException ? e : e.getCause(),
                    e.toString());
        }
    }
}
