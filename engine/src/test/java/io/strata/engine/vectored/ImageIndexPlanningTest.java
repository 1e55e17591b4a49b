package io.strata.engine.vectored;

import static io.strata.engine.vectored.Plans.flat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** Image index planning (FORMAT 11.2): key ranges, range ends, and the shard filter turning entries into Ignore. */
class ImageIndexPlanningTest {
    static final int N = 200;
    static final long INDEX_START_BLK = 9;
    static final Lsn LSN = Lsn.of(0x1234);

    /** Relation block keys, one per stripe of one page so that they spread over the shards. */
    static Key key(int i) {
        return new Key(0, 1663, 5, 16384, 0, i);
    }

    static long offset(int i) {
        return 8192 + 300L * i;
    }

    static DiskBtreeReader index() {
        TestIndex index = new TestIndex(Key.KEY_SIZE);
        for (int i = 0; i < N; i++) {
            index.add(key(i).toBytes(), offset(i));
        }
        return index.finish(INDEX_START_BLK);
    }

    @Test
    void plansTheRequestedRangesInOrder() {
        KeySpace ks = KeySpace.of(KeyRange.of(key(10), key(20)), KeyRange.of(key(150), Key.MAX));
        List<VectoredRead> reads = ImageIndexPlanning.plan(index(), INDEX_START_BLK, ks, LSN, null, 128 * 1024)
                .block(Duration.ofSeconds(10));
        List<Long> expected = new ArrayList<>();
        for (int i = 10; i < 20; i++) {
            expected.add(offset(i));
        }
        for (int i = 150; i < N; i++) {
            expected.add(offset(i));
        }
        assertEquals(expected, flat(reads));
        assertEquals(2, reads.size(), "the two ranges are far apart");
        assertEquals(ChunkedVectoredReadBuilder.ceilDiv(offset(20), 512) * 512, reads.get(0).end(),
                "range 1 ends at the offset of the first key past it, rounded up to a chunk");
        assertEquals(INDEX_START_BLK * 8192, reads.get(1).end(), "range 2 runs to the end of the values");
        assertEquals(LSN, reads.get(0).blob(0).lsn());
        assertEquals(key(10), reads.get(0).blob(0).key());
    }

    @Test
    void shardFilterIgnoresDisposableKeys() {
        ShardIdentity shard = ShardIdentity.of(1, 4, 1);
        List<VectoredRead> reads = ImageIndexPlanning.plan(index(), INDEX_START_BLK,
                KeySpace.single(KeyRange.FULL), LSN, shard, VectoredReadPlanner.DEFAULT_MAX_READ_SIZE)
                .block(Duration.ofSeconds(10));
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            if (!shard.isKeyDisposable(key(i))) {
                expected.add(offset(i));
            }
        }
        assertTrue(expected.size() > 10 && expected.size() < N - 10, "the filter keeps some keys and drops others: "
                + expected.size());
        assertEquals(expected, flat(reads));
        for (VectoredRead r : reads) {
            assertTrue(r.size() <= VectoredReadPlanner.DEFAULT_MAX_READ_SIZE);
        }
    }

    @Test
    void emptyKeySpaceAndRangesWithoutKeys() {
        StepVerifier.create(ImageIndexPlanning.plan(index(), INDEX_START_BLK, KeySpace.empty(), LSN, null, 8192))
                .expectNext(List.of()).verifyComplete();
        KeySpace before = KeySpace.single(KeyRange.of(Key.MIN, key(0)));
        StepVerifier.create(ImageIndexPlanning.plan(index(), INDEX_START_BLK, before, LSN, null, 8192))
                .expectNext(List.of()).verifyComplete();
    }

    @Test
    void streamingPlanOfTheWholeIndex() {
        List<VectoredRead> reads = StreamingIndexPlanning.imageLayer(index(), INDEX_START_BLK, LSN, 1 << 20, 64,
                StreamingVectoredReadPlanner.NO_SPAN_LIMIT, 1)
                .collectList().block(Duration.ofSeconds(10));
        assertEquals(4, reads.size(), "64 + 64 + 64 + 8 blobs");
        assertEquals(8, reads.get(3).blobCount());
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            all.add(offset(i));
        }
        assertEquals(all, flat(reads));
        assertEquals(INDEX_START_BLK * 8192, reads.get(3).end());
        assertTrue(reads.get(2).blob(5).willInit());
    }
}
