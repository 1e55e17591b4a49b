package io.strata.engine.compaction;

import static io.strata.engine.compaction.CompactionTestKit.entries;
import static io.strata.engine.compaction.CompactionTestKit.entry;
import static io.strata.engine.compaction.CompactionTestKit.getKey;
import static io.strata.engine.compaction.CompactionTestKit.image;
import static io.strata.engine.compaction.CompactionTestKit.sources;
import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionTestKit.Recording;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Neon's {@code filter_iterator} test, the sparse key space, early completion, and a randomized oracle. */
class FilterIteratorTest {
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

    private static KeySpace keySpace(int... bounds) {
        KeySpace.Builder b = KeySpace.builder();
        for (int i = 0; i < bounds.length; i += 2) {
            b.add(new KeyRange(getKey(bounds[i]), getKey(bounds[i + 1])));
        }
        return b.build();
    }

    private List<LayerEntry> filter(DeltaLayerReader layer, KeySpace dense, KeySpace sparse) {
        MergeIterator merge = MergeIterator.create(sources(layer), kit.mergePool);
        return entries(FilterIterator.create(merge, dense, sparse).items().collectList().block(T));
    }

    /** Neon's {@code filter_keyspace_iterator}. */
    @Test
    void filterKeyspaceIterator() {
        int n = 100;
        List<LayerEntry> testDeltas1 = new ArrayList<>();
        for (int idx = 0; idx < n; idx++) {
            testDeltas1.add(entry(getKey(idx), 0x20L * (idx % 10 + 1), image(String.format("img%05d", idx))));
        }
        DeltaLayerReader layer1 = kit.produceDeltaLayer(testDeltas1);

        List<LayerEntry> result = new ArrayList<>(testDeltas1.subList(5, 10));
        result.addAll(testDeltas1.subList(20, 30));
        result.addAll(testDeltas1.subList(90, 100));
        assertEquals(result, filter(layer1, keySpace(5, 10, 20, 30, 90, 110, 1000, 2000), KeySpace.empty()));

        result = new ArrayList<>(testDeltas1.subList(0, 10));
        result.addAll(testDeltas1.subList(20, 30));
        result.addAll(testDeltas1.subList(90, 95));
        assertEquals(result, filter(layer1, keySpace(0, 10, 20, 30, 90, 95), KeySpace.empty()));
    }

    /** Dense and sparse ranges are kept alike; sparse (metadata) keys sort after the dense ones. */
    @Test
    void denseAndSparseKeySpacesAreBothKept() {
        Key meta = Key.fromHex("620000000000000000000000000000000000");
        List<LayerEntry> dense = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            dense.add(entry(getKey(i), 0x10, image("d" + i)));
        }
        List<LayerEntry> sparse = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sparse.add(entry(meta.add(i), 0x11, image("s" + i)));
        }
        DeltaLayerReader d = kit.produceDeltaLayer(dense);
        DeltaLayerReader s = kit.produceDeltaLayer(sparse);
        MergeIterator merge = MergeIterator.create(sources(s, d), kit.mergePool);
        List<LayerEntry> kept = entries(FilterIterator.create(merge, keySpace(3, 6),
                KeySpace.single(new KeyRange(meta.add(1), meta.add(3)))).items().collectList().block(T));
        List<LayerEntry> expected = new ArrayList<>(dense.subList(3, 6));
        expected.addAll(sparse.subList(1, 3));
        assertEquals(expected, kept);
    }

    @Test
    void overlappingFiltersAreRefused() {
        MergeIterator merge = MergeIterator.create(List.of(), kit.mergePool);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FilterIterator.create(merge, keySpace(0, 10), keySpace(5, 20)));
        assertTrue(e.getMessage().startsWith("Key filters are overlapping"), e.getMessage());
        // adjacent is fine
        assertEquals(2, FilterIterator.create(merge, keySpace(0, 10), keySpace(10, 20)).retainKeyFilters().size());
    }

    /** Past the last range the stream completes: layers beyond it are never opened. */
    @Test
    void layersPastTheLastRangeAreNeverOpened() {
        List<Recording> layers = new ArrayList<>();
        for (int l = 0; l < 4; l++) {
            List<LayerEntry> es = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                es.add(entry(getKey(l * 10 + i), 0x10, image("v" + l + i)));
            }
            layers.add(new Recording(LayerSource.of(kit.produceDeltaLayer(es))));
        }
        MergeIterator merge = MergeIterator.createWithOptions(layers, kit.mergePool, new IteratorOptions(1 << 20, 4));
        List<MergeItem> items = FilterIterator.create(merge, keySpace(2, 4, 12, 13), KeySpace.empty()).items()
                .collectList().block(T);
        assertEquals(List.of(getKey(2), getKey(3), getKey(12)), items.stream().map(MergeItem::key).toList());
        assertEquals(List.of(1, 1, 0, 0), layers.stream().map(r -> r.subscriptions.get()).toList());
        // no ranges at all: nothing is read
        assertEquals(0, FilterIterator.create(merge, KeySpace.empty(), KeySpace.empty()).batches().count().block(T));
        assertEquals(List.of(1, 1, 0, 0), layers.stream().map(r -> r.subscriptions.get()).toList());
    }

    /** Random layers and random key spaces against a direct filter of the merge. */
    @Test
    void randomFiltersMatchTheOracle() {
        SplittableRandom rnd = new SplittableRandom(11);
        List<LayerSource> layers = new ArrayList<>();
        for (int l = 0; l < 3; l++) {
            List<LayerEntry> es = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                if (rnd.nextInt(3) > 0) {
                    es.add(entry(getKey(i), 0x10 + l, image("v" + l + "/" + i)));
                }
            }
            layers.add(LayerSource.of(kit.produceDeltaLayer(es)));
        }
        MergeIterator merge = MergeIterator.createWithOptions(layers, kit.mergePool, new IteratorOptions(2048, 5));
        List<MergeItem> all = merge.items().collectList().block(T);
        for (int iteration = 0; iteration < 30; iteration++) {
            KeySpace.Builder dense = KeySpace.builder();
            KeySpace.Builder sparse = KeySpace.builder();
            int at = rnd.nextInt(20);
            while (at < 220) {
                int len = 1 + rnd.nextInt(15);
                (rnd.nextBoolean() ? dense : sparse).add(new KeyRange(getKey(at), getKey(at + len)));
                at += len + 1 + rnd.nextInt(20);
            }
            KeySpace d = dense.build();
            KeySpace s = sparse.build();
            List<MergeItem> expected = all.stream().filter(i -> d.contains(i.key()) || s.contains(i.key())).toList();
            List<MergeItem> actual = FilterIterator.create(merge, d, s).batches()
                    .concatMapIterable(MergeBatch::items).collectList().block(T);
            assertEquals(expected, actual, "iteration " + iteration + ": " + d + " + " + s);
        }
    }
}
