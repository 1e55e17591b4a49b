package io.strata.engine.compaction.tiered;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.scheduler.Schedulers;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class CompactionHelpersTest {
    private static final MockKeys KEYS = MockKeys.INSTANCE;
    private static final MockRequestContext CTX = new MockRequestContext();

    private static Range<Long> r(long start, long end) {
        return new Range<>(start, end);
    }

    private static MockRecord rec(long key, long lsn, long len) {
        return new MockRecord(Lsn.of(lsn), key, len);
    }

    /** A delta layer that records when the merge opens it. */
    private static final class TrackedLayer implements CompactionDeltaLayer<Long, MockRequestContext, MockRecord> {
        final int id;
        final Range<Long> keyRange;
        final List<MockRecord> records;
        final Set<Integer> loaded;
        final boolean async;

        TrackedLayer(int id, Range<Long> keyRange, List<MockRecord> records, Set<Integer> loaded) {
            this(id, keyRange, records, loaded, false);
        }

        TrackedLayer(int id, Range<Long> keyRange, List<MockRecord> records, Set<Integer> loaded, boolean async) {
            this.id = id;
            this.keyRange = keyRange;
            this.records = records;
            this.loaded = loaded;
            this.async = async;
        }

        @Override
        public Flux<MockRecord> loadKeys(MockRequestContext ctx) {
            Flux<MockRecord> load = Flux.defer(() -> {
                loaded.add(id);
                return Flux.fromIterable(records);
            });
            // As a file read would: entries arrive on another thread, after a while.
            return async ? load.delaySubscription(Duration.ofMillis(1)).publishOn(Schedulers.parallel()) : load;
        }

        @Override
        public Range<Long> keyRange() {
            return keyRange;
        }

        @Override
        public Range<Lsn> lsnRange() {
            return new Range<>(records.isEmpty() ? Lsn.INVALID : records.get(0).lsn(), Lsn.MAX);
        }

        @Override
        public long fileSize() {
            return records.size();
        }

        @Override
        public String shortId() {
            return "layer" + id;
        }

        @Override
        public boolean isDelta() {
            return true;
        }
    }

    @Test
    void unionToKeyspaceJoinsOverlappingAndTouchingRanges() {
        assertEquals(List.of(r(0, 12), r(20, 40), r(50, 60)),
                CompactionHelpers.unionToKeyspace(List.of(r(0, 10), r(20, 30)), List.of(r(5, 12), r(30, 40), r(50, 60)), KEYS));
        assertEquals(List.of(r(0, 100)), CompactionHelpers.unionToKeyspace(List.of(), List.of(r(0, 100)), KEYS));
        assertEquals(List.of(), CompactionHelpers.unionToKeyspace(List.<Range<Long>>of(), List.of(), KEYS));
        // Keys order unsigned: u64::MAX sorts last.
        assertEquals(List.of(r(5, -1L)), CompactionHelpers.unionToKeyspace(List.of(r(5, 7)), List.of(r(6, -1L)), KEYS));
    }

    @Test
    void intersectKeyspaceTrimsTheEnds() {
        List<Range<Long>> ks = List.of(r(0, 10), r(20, 30), r(40, 50));
        assertEquals(List.of(r(5, 10), r(20, 30), r(40, 45)), CompactionHelpers.intersectKeyspace(ks, r(5, 45), KEYS));
        assertEquals(List.of(), CompactionHelpers.intersectKeyspace(ks, r(10, 20), KEYS));
        assertEquals(List.of(r(25, 27)), CompactionHelpers.intersectKeyspace(ks, r(25, 27), KEYS));
        assertEquals(ks, CompactionHelpers.intersectKeyspace(ks, KEYS.fullRange(), KEYS));
    }

    @Test
    void keyspaceTotalSizeSaturatesEachRangeAtU32Max() {
        ShardIdentity shard = ShardIdentity.unsharded();
        assertEquals(30, CompactionHelpers.keyspaceTotalSize(List.of(r(0, 10), r(20, 40)), KEYS, shard));
        assertEquals(0xFFFF_FFFFL + 10, CompactionHelpers.keyspaceTotalSize(List.of(r(0, 10), r(20, -1L)), KEYS, shard));
    }

    @Test
    void rangePredicates() {
        assertTrue(CompactionHelpers.overlapsWith(r(0, 10), r(9, 20), KEYS));
        assertFalse(CompactionHelpers.overlapsWith(r(0, 10), r(10, 20), KEYS));
        assertTrue(CompactionHelpers.overlapsWith(r(0, -1L), r(100, 200), KEYS));
        assertTrue(CompactionHelpers.fullyContains(r(0, 10), r(0, 10), KEYS));
        assertFalse(CompactionHelpers.fullyContains(r(0, 10), r(5, 11), KEYS));
        assertTrue(CompactionHelpers.overlapsWith(new Range<>(Lsn.of(1), Lsn.of(3)), new Range<>(Lsn.of(2), Lsn.of(9))));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void mergeDeltaKeysYieldsEveryEntryInKeyLsnOrder(boolean async) {
        Random random = new Random(42);
        Set<Integer> loaded = new ConcurrentSkipListSet<>();
        List<TrackedLayer> layers = new ArrayList<>();
        List<MockRecord> all = new ArrayList<>();
        long lsn = 1;
        for (int id = 0; id < 12; id++) {
            long start = random.nextInt(500);
            long end = start + 1 + random.nextInt(300);
            TreeSet<Long> keys = new TreeSet<>();
            for (int i = 0; i < 40; i++) {
                keys.add(start + random.nextInt((int) (end - start)));
            }
            List<MockRecord> records = new ArrayList<>();
            for (long k : keys) {
                for (int v = 0; v < 1 + random.nextInt(3); v++) {
                    records.add(rec(k, lsn++, 1 + random.nextInt(100)));
                }
            }
            records.sort(Comparator.comparing(MockRecord::key).thenComparing(MockRecord::lsn));
            all.addAll(records);
            layers.add(new TrackedLayer(id, r(start, end), records, loaded, async));
        }
        all.sort(Comparator.comparing(MockRecord::key).thenComparing(MockRecord::lsn));

        List<MockRecord> merged = CompactionHelpers.mergeDeltaKeys(layers, KEYS, CTX).collectList().block();
        assertEquals(all, merged);
        assertEquals(12, loaded.size());
    }

    @Test
    void mergeDeltaKeysOpensALayerOnlyWhenTheMergeReachesIt() {
        Set<Integer> loaded = new ConcurrentSkipListSet<>();
        List<TrackedLayer> layers = new ArrayList<>();
        long lsn = 1;
        for (int id = 0; id < 10; id++) {
            List<MockRecord> records = new ArrayList<>();
            for (long k = id * 10L; k < id * 10L + 10; k++) {
                records.add(rec(k, lsn++, 1));
            }
            layers.add(new TrackedLayer(id, r(id * 10L, id * 10L + 10), records, loaded));
        }
        List<Long> keys = CompactionHelpers.mergeDeltaKeys(layers, KEYS, CTX)
                .map(MockRecord::key)
                .takeWhile(k -> k < 35)
                .collectList()
                .block();
        assertEquals(35, keys.size());
        assertTrue(loaded.containsAll(Set.of(0, 1, 2, 3)), "loaded " + loaded);
        // At most one layer of look-ahead; the rest were never read.
        assertTrue(loaded.stream().allMatch(id -> id <= 4), "loaded " + loaded);
    }

    @Test
    void mergeDeltaKeysSkipsEmptyLayersAndHandlesNone() {
        Set<Integer> loaded = new ConcurrentSkipListSet<>();
        List<TrackedLayer> layers = List.of(
                new TrackedLayer(0, r(0, 10), List.of(), loaded),
                new TrackedLayer(1, r(0, 10), List.of(rec(3, 5, 1), rec(3, 6, 1)), loaded));
        StepVerifier.create(CompactionHelpers.mergeDeltaKeys(layers, KEYS, CTX))
                .expectNext(rec(3, 5, 1), rec(3, 6, 1))
                .verifyComplete();
        StepVerifier.create(CompactionHelpers.mergeDeltaKeys(List.<TrackedLayer>of(), KEYS, CTX)).verifyComplete();
    }

    @Test
    void mergeDeltaKeysRejectsALayerOutOfOrder() {
        Set<Integer> loaded = new ConcurrentSkipListSet<>();
        List<TrackedLayer> layers = List.of(
                new TrackedLayer(0, r(0, 10), List.of(rec(5, 1, 1), rec(4, 2, 1)), loaded));
        // The run is checked before it is emitted, so the error may come before key 5.
        StepVerifier.create(CompactionHelpers.mergeDeltaKeys(layers, KEYS, CTX).filter(e -> e.key() != 5))
                .verifyError(IllegalStateException.class);
    }

    @Test
    void accumKeyValuesGroupsByKeyAndSplitsAKeyTooLargeForOneLayer() {
        Flux<MockRecord> input = Flux.just(
                rec(1, 10, 10), rec(1, 11, 10),
                rec(2, 12, 60), rec(2, 13, 50), rec(2, 14, 50), rec(2, 15, 1),
                rec(3, 16, 100));
        StepVerifier.create(CompactionHelpers.accumKeyValues(input, 100, KEYS))
                .expectNext(new KeySize<>(1L, 2, 20, List.of()))
                // 60 + 50 exceeds 100: split before LSN 13; 50 + 50 fits; + 1 does not: split before 15.
                .expectNext(new KeySize<>(2L, 4, 161, List.of(new KeySize.Partition(Lsn.of(13), 60),
                        new KeySize.Partition(Lsn.of(15), 100))))
                .expectNext(new KeySize<>(3L, 1, 100, List.of()))
                .verifyComplete();
        StepVerifier.create(CompactionHelpers.accumKeyValues(Flux.<MockRecord>empty(), 100, KEYS)).verifyComplete();
        StepVerifier.create(CompactionHelpers.accumKeyValues(Flux.just(rec(2, 1, 1), rec(1, 2, 1)), 100, KEYS))
                .verifyError(IllegalStateException.class);
    }

    @Test
    void levelHeightArithmeticMatchesRust() {
        assertEquals(1_750_000, CompactTiered.scaleU64(1_000_000, 1.75));
        assertEquals(-1L, CompactTiered.scaleU64(-1L, 1.75), "saturates at u64::MAX");
        assertEquals(0xE000_0000_0000_0000L, CompactTiered.scaleU64(0x8000_0000_0000_0000L, 1.75));
        assertEquals(40, CompactTiered.saturatingMulU64(10, 4));
        assertEquals(-1L, CompactTiered.saturatingMulU64(0x4000_0000_0000_0000L, 4));
        assertEquals(0xC000_0000_0000_0000L, CompactTiered.saturatingMulU64(0x4000_0000_0000_0000L, 3));
    }
}
