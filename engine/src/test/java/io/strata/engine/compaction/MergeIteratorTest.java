package io.strata.engine.compaction;

import static io.strata.engine.compaction.CompactionTestKit.SORT_DELTA;
import static io.strata.engine.compaction.CompactionTestKit.SORT_DELTA_VALUE;
import static io.strata.engine.compaction.CompactionTestKit.entries;
import static io.strata.engine.compaction.CompactionTestKit.entry;
import static io.strata.engine.compaction.CompactionTestKit.getKey;
import static io.strata.engine.compaction.CompactionTestKit.image;
import static io.strata.engine.compaction.CompactionTestKit.sources;
import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionTestKit.Recording;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.IteratorChecks;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Neon's {@code merge_iterator} tests on real layer files, plus tracing, laziness, cancellation and errors. */
class MergeIteratorTest {
    @TempDir
    Path dir;
    CompactionTestKit kit;

    @BeforeEach
    void setUp() {
        kit = new CompactionTestKit(dir);
    }

    @AfterEach
    void tearDown() {
        kit.close();
    }

    private List<MergeItem> merge(List<LayerSource> layers) {
        return MergeIterator.create(layers, kit.mergePool).items().collectList().block(T);
    }

    /** Neon's {@code assert_merge_iter_equal}, and every item traced to the layer that holds it. */
    private static void assertMergeIterEqual(List<MergeItem> actual, List<LayerEntry> expect,
                                             Map<LayerName, List<LayerEntry>> layers) {
        assertEquals(expect, entries(actual));
        Map<LayerName, List<LayerEntry>> traced = new HashMap<>();
        for (MergeItem i : actual) {
            traced.computeIfAbsent(i.layer(), l -> new ArrayList<>()).add(new LayerEntry(i.key(), i.lsn(), i.value()));
        }
        Map<LayerName, List<LayerEntry>> expectTraced = new HashMap<>();
        layers.forEach((name, entries) -> {
            List<LayerEntry> sorted = new ArrayList<>(entries);
            sorted.sort(SORT_DELTA);
            expectTraced.put(name, sorted);
        });
        assertEquals(expectTraced, traced, "items traced to their layers");
    }

    @Test
    void mergeInBetween() {
        List<LayerEntry> testDeltas1 = List.of(entry(getKey(0), 0x10, image("test")),
                entry(getKey(5), 0x10, image("test")));
        DeltaLayerReader layer1 = kit.produceDeltaLayer(testDeltas1);
        List<LayerEntry> testDeltas2 = List.of(entry(getKey(3), 0x10, image("test")),
                entry(getKey(4), 0x10, image("test")));
        DeltaLayerReader layer2 = kit.produceDeltaLayer(testDeltas2);
        List<MergeItem> actual = merge(sources(layer2, layer1));
        List<LayerEntry> expect = new ArrayList<>(testDeltas1);
        expect.addAll(testDeltas2);
        expect.sort(SORT_DELTA);
        assertMergeIterEqual(actual, expect, Map.of(layer1.summary().layerName(), testDeltas1,
                layer2.summary().layerName(), testDeltas2));
    }

    @Test
    void deltaMerge() {
        int n = 1000;
        List<LayerEntry> testDeltas1 = new ArrayList<>();
        List<LayerEntry> testDeltas2 = new ArrayList<>();
        List<LayerEntry> testDeltas3 = new ArrayList<>();
        for (int idx = 0; idx < n; idx++) {
            Value img = image(String.format("img%05d", idx));
            testDeltas1.add(entry(getKey(idx / 10), 0x20L * (idx % 10 + 1), img));
            testDeltas2.add(entry(getKey(idx / 10), 0x20L * (idx % 10 + 1) + 0x10, img));
            testDeltas3.add(entry(getKey(idx / 10 + n), 0x10L * (idx % 10 + 1), img));
        }
        DeltaLayerReader layer1 = kit.produceDeltaLayer(testDeltas1);
        DeltaLayerReader layer2 = kit.produceDeltaLayer(testDeltas2);
        DeltaLayerReader layer3 = kit.produceDeltaLayer(testDeltas3);
        List<LayerEntry> expect = new ArrayList<>(testDeltas1);
        expect.addAll(testDeltas2);
        expect.addAll(testDeltas3);
        expect.sort(SORT_DELTA);
        Map<LayerName, List<LayerEntry>> layers = Map.of(layer1.summary().layerName(), testDeltas1,
                layer2.summary().layerName(), testDeltas2, layer3.summary().layerName(), testDeltas3);
        assertMergeIterEqual(merge(sources(layer1, layer2, layer3)), expect, layers);
        // Neon's TODO, done: small reads and batches make many hops per layer and many cut batches.
        List<MergeItem> small = MergeIterator.createWithOptions(sources(layer3, layer1, layer2), kit.mergePool,
                new IteratorOptions(1024, 3)).items().collectList().block(T);
        assertMergeIterEqual(small, expect, layers);
    }

    /**
     * Neon's {@code delta_image_mixed_merge}: copies of the same delta and image at the same LSN in several layers
     * all come out, images first, whatever order the layers are given in.
     */
    @Test
    void deltaImageMixedMerge() {
        List<LayerEntry> testDeltas1 = List.of(
                entry(getKey(0), 0x10, new Value.WalRecord(NeonWalRecord.Test.walInit(""))),
                entry(getKey(0), 0x18, new Value.WalRecord(NeonWalRecord.Test.walAppend("a"))),
                entry(getKey(5), 0x10, new Value.WalRecord(NeonWalRecord.Test.walInit(""))),
                entry(getKey(5), 0x18, new Value.WalRecord(NeonWalRecord.Test.walAppend("b"))));
        DeltaLayerReader layer1 = kit.produceDeltaLayer(testDeltas1);
        List<LayerEntry> testDeltas2 = new ArrayList<>(testDeltas1);
        testDeltas2.add(entry(getKey(10), 0x20, image("test")));
        DeltaLayerReader layer2 = kit.produceDeltaLayer(testDeltas2);
        List<LayerEntry> testDeltas3 = List.of(entry(getKey(0), 0x10, image("")),
                entry(getKey(5), 0x18, image("b")), entry(getKey(15), 0x20, image("test")));
        DeltaLayerReader layer3 = kit.produceDeltaLayer(testDeltas3);
        List<LayerEntry> testDeltas4 = new ArrayList<>(testDeltas3);
        testDeltas4.add(entry(getKey(20), 0x20, image("test")));
        DeltaLayerReader layer4 = kit.produceDeltaLayer(testDeltas4);
        List<LayerEntry> expect = new ArrayList<>(testDeltas1);
        expect.addAll(testDeltas2);
        expect.addAll(testDeltas3);
        expect.addAll(testDeltas4);
        expect.sort(SORT_DELTA_VALUE);
        Map<LayerName, List<LayerEntry>> layers = Map.of(layer1.summary().layerName(), testDeltas1,
                layer2.summary().layerName(), testDeltas2, layer3.summary().layerName(), testDeltas3,
                layer4.summary().layerName(), testDeltas4);

        assertMergeIterEqual(merge(sources(layer4, layer1, layer3, layer2)), expect, layers);
        assertMergeIterEqual(merge(sources(layer1, layer4, layer3, layer2)), expect, layers);
    }

    /** Image layers and delta layers together: at one (key, lsn) the image layer's image precedes the record. */
    @Test
    void imageAndDeltaLayersMerge() {
        TreeMap<Key, byte[]> pages = new TreeMap<>();
        List<LayerEntry> deltas = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pages.put(getKey(i), ("page" + i).getBytes());
            deltas.add(entry(getKey(i), 0x10, new Value.WalRecord(NeonWalRecord.Test.walInit("i" + i))));
            deltas.add(entry(getKey(i), 0x20, new Value.WalRecord(NeonWalRecord.Test.walAppend("a" + i))));
            deltas.add(entry(getKey(i), 0x28, new Value.WalRecord(NeonWalRecord.Test.walAppend("b" + i))));
        }
        ImageLayerReader img = kit.imageLayer(new KeyRange(getKey(0), getKey(50)), Lsn.of(0x20), pages);
        DeltaLayerReader delta = kit.delta(new KeyRange(getKey(0), getKey(50)), Lsn.of(0x10), Lsn.of(0x30),
                deltas);
        List<LayerEntry> imageEntries = CompactionTestKit.imageEntries(Lsn.of(0x20), pages);
        List<LayerEntry> expect = new ArrayList<>(deltas);
        expect.addAll(imageEntries);
        expect.sort(SORT_DELTA_VALUE);
        Map<LayerName, List<LayerEntry>> layers = Map.of(img.summary().layerName(), imageEntries,
                delta.summary().layerName(), deltas);
        assertMergeIterEqual(merge(sources(delta, img)), expect, layers);
        assertMergeIterEqual(merge(sources(img, delta)), expect, layers);
        assertEquals(new Value.Image("page7".getBytes()), expect.get(7 * 4 + 1).value()); // k7@0x20: image first
    }

    /**
     * Layers are opened only when the merge reaches their lower bound: with one-item batches, taking the first
     * layer's items never opens the layers above it, and the one overlapping it is opened at its start key.
     */
    @Test
    void layersAreLoadedOnlyWhenReached() {
        List<LayerEntry> all = new ArrayList<>();
        List<Recording> recs = recordedLayers(4, 10, (l, i) -> l * 10 + i, all);
        // A fifth layer starting in the middle of the second one.
        recs.add(recordedLayer(List.of(entry(getKey(15), 0x30, image("mid"))), all));
        MergeIterator merge = MergeIterator.createWithOptions(recs, kit.mergePool, new IteratorOptions(1 << 20, 1));

        StepVerifier.create(merge.batches(), 0)
                .thenRequest(10)
                .expectNextCount(10)
                .then(() -> assertEquals(List.of(1, 0, 0, 0, 0), subscriptions(recs)))
                .thenRequest(5) // keys 10..14
                .expectNextCount(5)
                .then(() -> assertEquals(List.of(1, 1, 0, 0, 0), subscriptions(recs)))
                .thenRequest(2) // k15@0x11, then k15@0x30 from the middle layer
                .assertNext(b -> assertEquals(getKey(15), b.key(0)))
                .assertNext(b -> assertEquals(entry(getKey(15), 0x30, image("mid")), b.entry(0)))
                .then(() -> assertEquals(List.of(1, 1, 0, 0, 1), subscriptions(recs)))
                .thenCancel()
                .verify(T);

        all.sort(SORT_DELTA);
        assertEquals(all, entries(merge.items().collectList().block(T)));
    }

    /**
     * Layers whose key ranges start at the same key (as L0 deltas do) are all opened as soon as the first of them is
     * reached, so that their first reads overlap; a layer starting above them is still opened only when reached. The
     * merge's output is the same.
     */
    @Test
    void layersStartingTogetherAreLoadedTogether() {
        List<LayerEntry> all = new ArrayList<>();
        List<Recording> recs = recordedLayers(3, 10, (l, i) -> i, all); // three "L0" layers over keys 0..9
        recs.add(recordedLayer(List.of(entry(getKey(20), 0x40, image("above"))), all));
        MergeIterator merge = MergeIterator.createWithOptions(recs, kit.mergePool, new IteratorOptions(1 << 20, 1));

        StepVerifier.create(merge.batches(), 0)
                .thenRequest(1)
                .assertNext(b -> assertEquals(entry(getKey(0), 0x10, image("v0/0")), b.entry(0)))
                .then(() -> assertEquals(List.of(1, 1, 1, 0), subscriptions(recs)))
                .thenRequest(29) // every value of the three layers, in (key, lsn) order
                .expectNextCount(29)
                .then(() -> assertEquals(List.of(1, 1, 1, 0), subscriptions(recs)))
                .thenRequest(1)
                .assertNext(b -> assertEquals(entry(getKey(20), 0x40, image("above")), b.entry(0)))
                .then(() -> assertEquals(List.of(1, 1, 1, 1), subscriptions(recs)))
                .expectComplete() // without more demand: the last layer's end is noticed as it comes
                .verify(T);

        all.sort(SORT_DELTA);
        assertEquals(all, entries(merge.items().collectList().block(T)));
    }

    /** Cancelled right after the start, a merge that opened layers together leaves no buffer leased. */
    @Test
    void cancellingAfterLayersStartedTogetherReleasesEverything() {
        List<LayerSource> sources = new ArrayList<>();
        for (int l = 0; l < 4; l++) {
            List<LayerEntry> es = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                es.add(entry(getKey(i), 0x10 + l, image("v" + l + "/" + i)));
            }
            sources.add(LayerSource.of(kit.produceDeltaLayer(es)));
        }
        MergeIterator merge = MergeIterator.createWithOptions(sources, kit.mergePool, new IteratorOptions(8192, 1));
        StepVerifier.create(merge.batches(), 0)
                .thenRequest(1)
                .expectNextCount(1)
                .thenCancel()
                .verify(T);
        // the kit's close checks that every merge buffer went back to the pool
    }

    /**
     * {@code layers} delta layers of {@code perLayer} images each, layer {@code l} at LSN 0x10 + l, its value
     * {@code i} at key {@code keyIndex(l, i)}; their entries are added to {@code all}.
     */
    private List<Recording> recordedLayers(int layers, int perLayer, IntBinaryOperator keyIndex,
                                           List<LayerEntry> all) {
        List<Recording> recs = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<LayerEntry> es = new ArrayList<>();
            for (int i = 0; i < perLayer; i++) {
                es.add(entry(getKey(keyIndex.applyAsInt(l, i)), 0x10 + l, image("v" + l + "/" + i)));
            }
            recs.add(recordedLayer(es, all));
        }
        return recs;
    }

    private Recording recordedLayer(List<LayerEntry> entries, List<LayerEntry> all) {
        all.addAll(entries);
        return new Recording(LayerSource.of(kit.produceDeltaLayer(entries)));
    }

    private static List<Integer> subscriptions(List<Recording> recs) {
        return recs.stream().map(r -> r.subscriptions.get()).toList();
    }

    /** Batches respect demand and their size bound; request(1) pulls one batch, not the layers. */
    @Test
    void batchesFollowDemand() {
        List<LayerEntry> a = new ArrayList<>();
        List<LayerEntry> b = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            a.add(entry(getKey(2 * i), 0x10, image("a" + i)));
            b.add(entry(getKey(2 * i + 1), 0x10, image("b" + i)));
        }
        MergeIterator merge = MergeIterator.createWithOptions(sources(kit.produceDeltaLayer(a),
                kit.produceDeltaLayer(b)), kit.mergePool, new IteratorOptions(64 * 1024, 7));
        StepVerifier.create(merge.batches(), 0)
                .expectSubscription()
                .expectNoEvent(java.time.Duration.ofMillis(50))
                .thenRequest(1)
                .assertNext(batch -> {
                    assertTrue(batch.size() >= 1 && batch.size() <= 7, "batch of " + batch.size());
                    assertEquals(getKey(0), batch.key(0));
                })
                .expectNoEvent(java.time.Duration.ofMillis(50))
                .thenCancel()
                .verify(T);
        List<MergeBatch> batches = merge.batches().collectList().block(T);
        int total = 0;
        for (MergeBatch batch : batches) {
            assertTrue(batch.size() >= 1 && batch.size() <= 7, "batch of " + batch.size());
            total += batch.size();
        }
        assertEquals(600, total);
    }

    /**
     * Six interleaved layers on a pool of sixteen buffers, whose iterators read hops of eight: the merge completes
     * (idle iterators hold no buffer), and cancelling at random points, in flight included, leaves none leased.
     */
    @Test
    void cancellationReleasesEveryBuffer() throws Exception {
        List<LayerSource> layers = new ArrayList<>();
        int total = 0;
        for (int l = 0; l < 6; l++) {
            List<LayerEntry> es = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                es.add(entry(getKey(i * 6 + l % 3), 0x10 + l, image("x".repeat(100 + i % 50))));
            }
            total += es.size();
            layers.add(LayerSource.of(kit.produceDeltaLayer(es)));
        }
        AlignedBufferPool pool = kit.mergePool;
        MergeIterator merge = MergeIterator.createWithOptions(layers, pool, new IteratorOptions(8192, 16));
        assertEquals(total, merge.items().count().block(T));
        IteratorChecks.cancelAtRandomPoints(() -> merge.items().map(i -> new LayerEntry(i.key(), i.lsn(), i.value())),
                total, pool, 42, 40);
        assertEquals(pool.capacity(), pool.available());
    }

    /** A layer file opened by the merge itself ({@link LayerSource#open}) is read like an open one. */
    @Test
    void openedSourcesAreReadAndChecked() {
        List<LayerEntry> es = List.of(entry(getKey(1), 0x10, image("a")), entry(getKey(2), 0x11, image("b")));
        DeltaLayerReader r = kit.produceDeltaLayer(es);
        LayerName name = r.summary().layerName();
        List<MergeItem> items = MergeIterator.create(List.of(LayerSource.open(kit.io.engine, kit.io.cache, r.path(),
                name)), kit.mergePool).items().collectList().block(T);
        assertEquals(es, entries(items));
        LayerName wrong = new DeltaLayerName(new KeyRange(getKey(0), getKey(3)), Lsn.of(0x10), Lsn.of(0x12));
        Throwable e = assertThrows(RuntimeException.class, () -> MergeIterator.create(List.of(LayerSource.open(
                kit.io.engine, kit.io.cache, r.path(), wrong)), kit.mergePool).items().blockLast(T));
        assertTrue(e.getMessage().contains("expected " + wrong), e.getMessage());
    }

    /** A layer whose values start below its name's range fails the merge (Neon's lower bound check). */
    @Test
    void firstKeyBelowTheLayerRangeFails() {
        DeltaLayerReader r = kit.produceDeltaLayer(List.of(entry(getKey(1), 0x10, image("a"))));
        LayerName lying = new DeltaLayerName(new KeyRange(getKey(2), getKey(3)), Lsn.of(0x10), Lsn.of(0x11));
        LayerSource source = new LayerSource() {
            @Override
            public LayerName name() {
                return lying;
            }

            @Override
            public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
                return r.batches(pool, options);
            }
        };
        Throwable e = assertThrows(IllegalStateException.class,
                () -> MergeIterator.create(List.of(source), kit.mergePool).items().blockLast(T));
        assertTrue(e.getMessage().contains("did not include the first key"), e.getMessage());
    }

    /** Values out of order fail the merge, and the other layers' streams are cancelled. */
    @Test
    void unorderedLayerFailsAndCancelsTheOthers() {
        List<LayerEntry> es = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            es.add(entry(getKey(i), 0x10, image("v" + i)));
        }
        DeltaLayerReader good = kit.produceDeltaLayer(es);
        LayerName name = new DeltaLayerName(new KeyRange(getKey(0), getKey(10)), Lsn.of(0x10), Lsn.of(0x11));
        LayerSource bad = new LayerSource() {
            @Override
            public LayerName name() {
                return name;
            }

            @Override
            public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
                return Flux.just(List.of(entry(getKey(5), 0x10, image("x"))),
                        List.of(entry(getKey(3), 0x10, image("y"))));
            }
        };
        Throwable e = assertThrows(IllegalStateException.class, () -> MergeIterator.createWithOptions(
                List.of(LayerSource.of(good), bad), kit.mergePool, new IteratorOptions(1024, 4)).items().blockLast(T));
        assertTrue(e.getMessage().contains("not ordered"), e.getMessage());
        // the pool is checked for leaks when the kit closes
    }

    /** An error of one layer's stream fails the merge with that error. */
    @Test
    void layerErrorFailsTheMerge() {
        DeltaLayerReader good = kit.produceDeltaLayer(List.of(entry(getKey(0), 0x10, image("a")),
                entry(getKey(9), 0x10, image("b"))));
        LayerName name = new DeltaLayerName(new KeyRange(getKey(1), getKey(2)), Lsn.of(0x10), Lsn.of(0x11));
        LayerSource failing = new LayerSource() {
            @Override
            public LayerName name() {
                return name;
            }

            @Override
            public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
                return Flux.error(new java.io.UncheckedIOException(new java.io.IOException("disk on fire")));
            }
        };
        StepVerifier.create(MergeIterator.createWithOptions(List.of(LayerSource.of(good), failing), kit.mergePool,
                        new IteratorOptions(1024, 1)).batches())
                .assertNext(b -> assertEquals(getKey(0), b.key(0)))
                .expectErrorSatisfies(e -> {
                    assertInstanceOf(java.io.UncheckedIOException.class, e);
                    assertEquals("disk on fire", e.getCause().getMessage());
                })
                .verify(T);
    }

    /**
     * Random layers as in-memory sources, some delivering on another thread: the output is exactly the oracle's
     * order ((key, lsn), images first, then the order the layers were given), batches keep their bound, and the
     * merge never asks a layer for more than one batch ahead.
     */
    @Test
    void randomSourcesMatchTheOracle() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int iteration = 0; iteration < 300; iteration++) {
            int layerCount = 1 + rnd.nextInt(8);
            List<LayerSource> sources = new ArrayList<>();
            List<MergeItem> oracle = new ArrayList<>();
            List<int[]> oracleRank = new ArrayList<>();
            AtomicInteger aheadViolations = new AtomicInteger();
            for (int l = 0; l < layerCount; l++) {
                int start = rnd.nextInt(40);
                long lsnStart = 0x10 + rnd.nextInt(8);
                TreeMap<Key, TreeMap<Lsn, Value>> versions = new TreeMap<>();
                int n = rnd.nextInt(30);
                for (int i = 0; i < n; i++) {
                    Lsn lsn = Lsn.of(lsnStart + rnd.nextInt(6));
                    Value v = rnd.nextBoolean() ? image("i" + l + "/" + i)
                            : new Value.WalRecord(NeonWalRecord.Test.walAppend("r" + l + "/" + i));
                    versions.computeIfAbsent(getKey(start + rnd.nextInt(20)), k -> new TreeMap<>()).put(lsn, v);
                }
                List<LayerEntry> entries = new ArrayList<>();
                versions.forEach((k, byLsn) -> byLsn.forEach((lsn, v) -> entries.add(new LayerEntry(k, lsn, v))));
                LayerName name = new DeltaLayerName(new KeyRange(getKey(start), getKey(61)), Lsn.of(lsnStart),
                        Lsn.of(lsnStart + 6));
                for (LayerEntry e : entries) {
                    oracle.add(new MergeItem(e.key(), e.lsn(), e.value(), name));
                    oracleRank.add(new int[] {MergeIterator.valueRank(e.value()), l});
                }
                List<List<LayerEntry>> chunks = new ArrayList<>();
                for (int i = 0; i < entries.size(); ) {
                    int size = 1 + rnd.nextInt(5);
                    chunks.add(entries.subList(i, Math.min(entries.size(), i + size)));
                    i += size;
                }
                boolean async = rnd.nextBoolean();
                sources.add(new LayerSource() {
                    @Override
                    public LayerName name() {
                        return name;
                    }

                    @Override
                    public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
                        AtomicLong requested = new AtomicLong();
                        AtomicLong delivered = new AtomicLong();
                        Flux<List<LayerEntry>> f = Flux.fromIterable(chunks);
                        if (async) {
                            f = f.publishOn(Schedulers.parallel(), 1);
                        }
                        return f.doOnNext(c -> delivered.incrementAndGet())
                                .doOnRequest(r -> {
                                    if (requested.addAndGet(r) - delivered.get() > 1) {
                                        aheadViolations.incrementAndGet();
                                    }
                                });
                    }
                });
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < oracle.size(); i++) {
                order.add(i);
            }
            order.sort((a, b) -> {
                MergeItem x = oracle.get(a);
                MergeItem y = oracle.get(b);
                int c = x.key().compareTo(y.key());
                if (c == 0) {
                    c = x.lsn().compareTo(y.lsn());
                }
                if (c == 0) {
                    c = Integer.compare(oracleRank.get(a)[0], oracleRank.get(b)[0]);
                }
                return c != 0 ? c : Integer.compare(oracleRank.get(a)[1], oracleRank.get(b)[1]);
            });
            List<MergeItem> expected = order.stream().map(oracle::get).toList();
            int maxBatch = 1 + rnd.nextInt(10);
            MergeIterator merge = MergeIterator.createWithOptions(sources, kit.mergePool,
                    new IteratorOptions(1 << 20, maxBatch));
            List<MergeBatch> batches = merge.batches().limitRate(1 + rnd.nextInt(4)).collectList().block(T);
            List<MergeItem> actual = new ArrayList<>();
            for (MergeBatch b : batches) {
                assertTrue(b.size() >= 1 && b.size() <= maxBatch, "batch of " + b.size() + ", max " + maxBatch);
                actual.addAll(b.items());
            }
            assertEquals(expected, actual, "iteration " + iteration);
            assertEquals(0, aheadViolations.get(), "a layer was asked for more than one batch ahead");
        }
    }

    @Test
    void noLayersIsEmpty() {
        StepVerifier.create(MergeIterator.create(List.of(), kit.mergePool).batches(), 0).verifyComplete();
    }
}
