package io.strata.engine.read;

import static io.strata.engine.read.ReadTestKit.bytes;
import static io.strata.engine.read.ReadTestKit.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.timeline.Timeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Backpressure, cancellation and concurrency of the read path. */
class ReadPathFlowTest {
    static final int KEYS = 20_000;
    static final Lsn IMAGE_LSN = Lsn.of(0x10);
    static final Lsn READ_LSN = Lsn.of(0x40);

    @TempDir
    Path dir;
    ReadTestKit kit;
    CountingLayer image;
    CountingLayer delta;
    Timeline timeline;

    static Key key(int i) {
        return new Key(0, 0x1663, 0x3fff, 0x4000 + (i >>> 16), 0, i & 0xFFFF);
    }

    static KeySpace all() {
        return KeySpace.of(new KeyRange(key(0), key(KEYS - 1).next()));
    }

    @BeforeEach
    void setUp(org.junit.jupiter.api.TestInfo info) {
        kit = new ReadTestKit(dir, info.getTags().contains("cached"));
        TreeMap<Key, byte[]> pages = new TreeMap<>();
        for (int i = 0; i < KEYS; i++) {
            pages.put(key(i), bytes("p" + i));
        }
        List<LayerEntry> records = new ArrayList<>();
        for (int i = 0; i < KEYS; i += 7) {
            records.add(new LayerEntry(key(i), Lsn.of(0x30), ReadTestKit.append("+")));
        }
        image = new CountingLayer(kit.image(new KeyRange(key(0), key(KEYS - 1).next()), IMAGE_LSN, pages));
        PersistentLayer d = kit.delta(Lsn.of(0x20), Lsn.of(0x31), records);
        delta = new CountingLayer(d);
        LayerSnapshot plain = kit.snapshot();
        LayerSnapshot counted = new LayerSnapshot(plain.map(), Map.of(
                ((PersistentLayer) image.delegate).desc().name(), image,
                d.desc().name(), delta), Map.of());
        timeline = new Timeline(TimelineId.generate(), Optional.empty(), counted, ReadTestKit.redo(),
                ReadOptions.DEFAULT.withMaxBatchKeys(64));
    }

    @AfterEach
    void tearDown() {
        kit.close(); // checks that every read buffer went back to the pool
    }

    static String expected(int i) {
        return "p" + i + (i % 7 == 0 ? "+" : "");
    }

    @Test
    void fullScanReturnsEveryPageInKeyOrder() {
        scanAndCheck();
        assertEquals(KEYS, image.keysAsked.get(), "each key asked of the image layer once");
    }

    private void scanAndCheck() {
        int[] next = {0};
        timeline.getVectored(all(), READ_LSN).doOnNext(p -> {
            assertEquals(key(next[0]), p.key());
            assertEquals(expected(next[0]), string(p.bytes()));
            next[0]++;
        }).blockLast(LayerTestSupport.T);
        assertEquals(KEYS, next[0]);
    }

    @Test
    @org.junit.jupiter.api.Tag("cached")
    void valuesReadThroughTheBlockCacheComeFromMemoryTheSecondTime() {
        scanAndCheck();
        io.strata.io.cache.BlockCache.Stats first = kit.io.cache.stats();
        scanAndCheck();
        io.strata.io.cache.BlockCache.Stats second = kit.io.cache.stats();
        assertEquals(first.misses(), second.misses(), "the second scan reads nothing from disk");
        assertTrue(second.hits() > first.hits() + KEYS / 200, "value blocks served from the cache: " + second);
    }

    @Test
    void aSubscriberAskingForTenPagesMakesTheEngineReadOneBatch() {
        StepVerifier.create(timeline.getVectored(all(), READ_LSN), 10)
                .expectNextCount(10)
                .thenAwait(java.time.Duration.ofMillis(200))
                .thenCancel()
                .verify(LayerTestSupport.T);
        assertTrue(delta.keysAsked.get() <= 64, "delta asked for " + delta.keysAsked.get() + " keys");
        assertTrue(image.keysAsked.get() <= 64, "image asked for " + image.keysAsked.get() + " keys");
    }

    @Test
    void cancellingMidScanReleasesEverything() {
        for (int n : new int[] {1, 63, 64, 65, 500}) {
            List<Page> got = timeline.getVectored(all(), READ_LSN).take(n).collectList().block(LayerTestSupport.T);
            assertEquals(n, got.size());
            assertEquals(key(n - 1), got.get(n - 1).key());
        }
        // A subscriber that cancels before anything arrives.
        timeline.getVectored(all(), READ_LSN).subscribe().dispose();
    }

    @Test
    void manyConcurrentSubscribersGetTheirOwnPages() {
        Random random = new Random(7);
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            picks.add(random.nextInt(KEYS));
        }
        List<String> got = Flux.fromIterable(picks)
                .flatMapSequential(i -> timeline.get(key(i), READ_LSN).subscribeOn(Schedulers.parallel())
                        .map(ReadTestKit::string), 64)
                .collectList().block(LayerTestSupport.T);
        for (int i = 0; i < picks.size(); i++) {
            assertEquals(expected(picks.get(i)), got.get(i));
        }
    }
}
