package io.strata.engine.compaction.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Neon's {@code tests/tests.rs} on the simulator, plus the invariants compaction must keep: every flushed
 * record survives exactly once, in a layer whose rectangle contains it, and no two deltas overlap in key x LSN.
 */
class TieredCompactionTest {
    private static final MockKeys KEYS = MockKeys.INSTANCE;

    private static Range<Long> keys(long start, long end) {
        return new Range<>(start, end);
    }

    private static List<MockLayer> live(MockTimeline t) {
        return t.liveLayers.stream().filter(l -> !l.isDeleted()).toList();
    }

    private static List<MockLayer.Delta> liveDeltas(MockTimeline t) {
        return live(t).stream().filter(l -> l instanceof MockLayer.Delta).map(l -> (MockLayer.Delta) l).toList();
    }

    static void assertInvariants(MockTimeline t) {
        List<MockLayer.Delta> deltas = liveDeltas(t);
        long count = 0;
        long digest = 0;
        for (MockLayer.Delta d : deltas) {
            for (MockRecord r : d.records()) {
                count++;
                digest += MockTimeline.digest(r);
                if (!d.keyRange().contains(r.key(), KEYS) || !d.lsnRange().contains(r.lsn(), Comparator.naturalOrder())) {
                    throw new AssertionError("record " + r + " outside its layer " + d.shortId());
                }
            }
        }
        assertEquals(t.flushedRecords, count, "records in live deltas");
        assertEquals(t.flushedDigest, digest, "the same records as flushed");
        for (int i = 0; i < deltas.size(); i++) {
            for (int j = i + 1; j < deltas.size(); j++) {
                MockLayer.Delta a = deltas.get(i);
                MockLayer.Delta b = deltas.get(j);
                assertFalse(CompactionHelpers.overlapsWith(a.keyRange(), b.keyRange(), KEYS)
                                && CompactionHelpers.overlapsWith(a.lsnRange(), b.lsnRange()),
                        "deltas overlap: " + a.shortId() + " and " + b.shortId());
            }
        }
    }

    /**
     * So many updates to one key that even a delta of that key alone would exceed the target size: the key's
     * history must be split by LSN too.
     */
    @Test
    void testManyUpdatesForSingleKey() {
        MockTimeline executor = new MockTimeline();
        executor.targetFileSize = 1_000_000;

        // 10 MB of updates to a single key, among some updates to others.
        for (int i = 1; i < 1000; i++) {
            executor.ingestUniform(100, 10, keys(0, 100_000));
            executor.ingestUniform(1000, 10, keys(0, 1));
            executor.compact().block();
        }

        // Every layer is smaller than the target size (with some slop), and no delta is empty.
        for (MockLayer l : live(executor)) {
            assertTrue(l.fileSize() < executor.targetFileSize * 2, () -> "too large: " + l.shortId() + " " + l.fileSize());
            if (l.isDelta()) {
                assertTrue(l.fileSize() > 0, () -> "empty: " + l.shortId());
            }
        }
        // Key 0 got layers of its own, stacked in LSN.
        List<MockLayer.Delta> key0 = liveDeltas(executor).stream().filter(d -> d.keyRange().equals(keys(0, 1))).toList();
        assertTrue(key0.size() >= 4, "single-key layers: " + key0);
        assertInvariants(executor);
    }

    @Test
    void testSimpleUpdates() {
        MockTimeline executor = new MockTimeline();
        executor.targetFileSize = 500_000;

        for (int i = 1; i < 400; i++) {
            executor.ingestUniform(100, 500, keys(0, 100_000));
        }
        // 39,900 records of 500 bytes, flushed every 1001 records (just over the target).
        assertEquals(39, live(executor).size());
        assertTrue(live(executor).stream().allMatch(l -> l.keyRange().equals(KEYS.fullRange())));

        executor.compact().block();

        // The 39 L0 layers (39 tiers) became one tier of deltas, each with about the target size.
        List<MockLayer.Delta> deltas = liveDeltas(executor).stream()
                .sorted(Comparator.comparing(d -> d.keyRange().start(), KEYS)).toList();
        assertEquals(deltas.size(), live(executor).size(), "no images: the key space is far larger than the WAL");
        Range<Lsn> level = new Range<>(Lsn.of(1000), executor.lastFlushLsn());
        long maxKeySize = deltas.stream().flatMap(d -> d.records().stream())
                .collect(java.util.stream.Collectors.groupingBy(MockRecord::key,
                        java.util.stream.Collectors.summingLong(MockRecord::len)))
                .values().stream().mapToLong(Long::longValue).max().orElseThrow();
        for (int i = 0; i < deltas.size(); i++) {
            MockLayer.Delta d = deltas.get(i);
            assertEquals(level, d.lsnRange());
            long size = d.fileSize() - 2;
            boolean last = i == deltas.size() - 1;
            assertTrue(last || size >= executor.targetFileSize, () -> "undersized " + d.shortId() + ": " + size);
            assertTrue(size < executor.targetFileSize + maxKeySize || (last && size < executor.targetFileSize * 5 / 4),
                    () -> "oversized " + d.shortId() + ": " + size);
        }
        assertTrue(deltas.size() >= 30 && deltas.size() <= 40, "layers: " + deltas.size());
        assertEquals(39, executor.layersDeleted);
        assertInvariants(executor);

        // Nothing left to do.
        long created = executor.layersCreated;
        executor.compact().block();
        assertEquals(created, executor.layersCreated);
    }

    @Test
    void aSmallKeySpaceIsCoveredWithImagesInsteadOfRetiledDeltas() {
        MockTimeline executor = new MockTimeline();
        executor.targetFileSize = 1_000_000;
        while (executor.numL0Flushes() < 4) {
            executor.ingestUniform(100, 500, keys(0, 100));
        }
        Lsn first = executor.lastFlushLsn();
        executor.compact().block();

        // 100 pages (800 KiB) beat 4 MB of deltas: one image over the whole key range at the level's end.
        List<MockLayer> images = live(executor).stream().filter(l -> !l.isDelta()).toList();
        assertEquals(1, images.size());
        assertEquals(KEYS.fullRange(), images.get(0).keyRange());
        assertEquals(new Range<>(first, first), images.get(0).lsnRange());
        assertEquals(100 * CompactionHelpers.PAGE_SZ, images.get(0).fileSize());
        assertEquals(4, liveDeltas(executor).size(), "images replace no delta");
        assertEquals(0, executor.layersDeleted);

        // The image hides the deltas below it: depth 0, nothing to do.
        long created = executor.layersCreated;
        executor.compact().block();
        assertEquals(created, executor.layersCreated);

        // Four more tiers on top of the image: a new image at the new top.
        while (executor.numL0Flushes() < 8) {
            executor.ingestUniform(100, 500, keys(0, 100));
        }
        executor.compact().block();
        List<Lsn> imageLsns = live(executor).stream().filter(l -> !l.isDelta()).map(l -> l.lsnRange().start()).sorted().toList();
        assertEquals(List.of(first, executor.lastFlushLsn()), imageLsns);
        assertInvariants(executor);
    }

    /** The simulator's driver: compact every {@code fanout} flushes; levels 1 and 2 fill up in turn. */
    @Test
    void compactionWalksUpTheLevels() {
        MockTimeline executor = new MockTimeline(7);
        executor.targetFileSize = 64 * 1024;
        long maxL0Height = CompactTiered.scaleU64(executor.targetFileSize, 1.75);
        long compactions = 0;
        while (executor.numL0Flushes() < 20) {
            long before = executor.layersCreated;
            executor.ingestUniform(1, 100, keys(0, 10_000));
            executor.compactIfNeeded().block();
            if (executor.layersCreated > before + 1) {
                compactions++;
                // Compaction leaves fewer than fanout tiers in L0.
                Optional<Level<Long, MockLayer>> l0 = IdentifyLevels.identifyLevel(live(executor),
                        executor.lastFlushLsn(), maxL0Height);
                assertTrue(l0.isEmpty() || l0.get().depth(KEYS) < executor.tiersPerLevel);
                assertInvariants(executor);
            }
        }
        assertEquals(5, compactions, "every 4th of 20 flushes");
        // The 16th flush filled level 1 with 4 tiers, which became a level-2 tier: taller than level 1 allows.
        long level1MaxHeight = CompactTiered.scaleU64(executor.targetFileSize * executor.tiersPerLevel, 1.75);
        assertTrue(liveDeltas(executor).stream().anyMatch(d -> d.lsnRange().end().value() - d.lsnRange().start().value()
                > level1MaxHeight), "no level-2 layer");
        for (MockLayer l : live(executor)) {
            assertTrue(l.fileSize() < executor.targetFileSize * 2, () -> "too large: " + l.shortId());
        }
        System.out.print(executor.stats());
    }

    /** The mock with every call completing later on another thread, as I/O would. */
    private record AsyncTimeline(MockTimeline inner)
            implements CompactionJobExecutor<Long, MockLayer, MockLayer.Delta, MockRequestContext> {
        private static <T> Mono<T> later(Mono<T> m) {
            return m.delaySubscription(Duration.ofNanos(1)).publishOn(Schedulers.parallel());
        }

        @Override
        public CompactionKey<Long> compactionKey() {
            return inner.compactionKey();
        }

        @Override
        public ShardIdentity getShardIdentity() {
            return inner.getShardIdentity();
        }

        @Override
        public Mono<List<MockLayer>> getLayers(Range<Long> keyRange, Range<Lsn> lsnRange, MockRequestContext ctx) {
            return later(inner.getLayers(keyRange, lsnRange, ctx));
        }

        @Override
        public Mono<List<Range<Long>>> getKeyspace(Range<Long> keyRange, Lsn lsn, MockRequestContext ctx) {
            return later(inner.getKeyspace(keyRange, lsn, ctx));
        }

        @Override
        public Mono<MockLayer.Delta> downcastDeltaLayer(MockLayer layer, MockRequestContext ctx) {
            return later(inner.downcastDeltaLayer(layer, ctx));
        }

        @Override
        public Mono<Void> createImage(Lsn lsn, Range<Long> keyRange, MockRequestContext ctx) {
            return later(inner.createImage(lsn, keyRange, ctx));
        }

        @Override
        public Mono<Void> createDelta(Range<Lsn> lsnRange, Range<Long> keyRange, List<MockLayer.Delta> inputLayers,
                                      MockRequestContext ctx) {
            return later(inner.createDelta(lsnRange, keyRange, inputLayers, ctx));
        }

        @Override
        public Mono<Void> deleteLayer(MockLayer layer, MockRequestContext ctx) {
            return later(inner.deleteLayer(layer, ctx));
        }
    }

    @Test
    void anAsynchronousExecutorGetsTheSameLayers() {
        MockTimeline sync = new MockTimeline(11);
        MockTimeline async = new MockTimeline(11);
        for (MockTimeline t : List.of(sync, async)) {
            t.targetFileSize = 100_000;
            while (t.numL0Flushes() < 16) {
                t.ingestUniform(10, 300, keys(0, 5_000));
                t.ingestUniform(20, 300, keys(42, 43));
            }
        }
        sync.compact().block();
        CompactTiered.compactTiered(new AsyncTimeline(async), async.lastFlushLsn(), async.targetFileSize,
                async.tiersPerLevel, new MockRequestContext()).block(Duration.ofSeconds(30));

        List<String> expected = live(sync).stream().map(MockLayer::shortId).toList();
        assertEquals(expected, live(async).stream().map(MockLayer::shortId).toList());
        assertTrue(sync.layersDeleted > 0);
        assertInvariants(async);
    }

    @Test
    void fewerTiersThanTheFanoutIsANoOp() {
        MockTimeline executor = new MockTimeline();
        executor.targetFileSize = 100_000;
        while (executor.numL0Flushes() < 3) {
            executor.ingestUniform(10, 1000, keys(0, 1000));
        }
        executor.compact().block();
        assertEquals(3, executor.layersCreated);
        assertEquals(0, executor.layersDeleted);
    }

    @Test
    void anEndLsnInsideALayerFailsTheCompaction() {
        MockTimeline executor = new MockTimeline();
        executor.targetFileSize = 100_000;
        while (executor.numL0Flushes() < 4) {
            executor.ingestUniform(10, 1000, keys(0, 1000));
        }
        Lsn inside = executor.lastFlushLsn().saturatingSub(10);
        StepVerifier.create(CompactTiered.compactTiered(executor, inside, TieredCompactionConfig.defaults(),
                        new MockRequestContext()))
                .verifyError(IllegalArgumentException.class);
        assertEquals(4, executor.layersCreated);
    }

    @Test
    void configDefaultsAreNeons() {
        TieredCompactionConfig c = TieredCompactionConfig.defaults();
        assertEquals(10, c.fanout());
        assertEquals(256L << 20, c.targetFileSize());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> c.withFanout(0));
    }
}
