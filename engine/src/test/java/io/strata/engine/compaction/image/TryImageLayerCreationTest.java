package io.strata.engine.compaction.image;

import static io.strata.engine.compaction.image.ImageTestSupport.assertSamePages;
import static io.strata.engine.compaction.image.ImageTestSupport.awaitOnlyIndexedFiles;
import static io.strata.engine.compaction.image.ImageTestSupport.imageContents;
import static io.strata.engine.compaction.image.ImageTestSupport.read;
import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * TRY mode on timelines built from explicit layers: an image of 64 keys at 0x10, then L1 delta layers (each a record
 * on every key of its range) stacked over some partitions. Partitions are 16 keys, the image creation threshold 3.
 */
class TryImageLayerCreationTest {
    private static final int KEYS = 64;
    private static final Lsn IMAGE_LSN = Lsn.of(0x10);
    private static final Lsn LSN = Lsn.of(0x40);
    /** Check for images on every run, so that runs at one LSN can be compared. */
    private static final ImageLayerCreationConfig CFG = ImageLayerCreationConfig.defaults()
            .withCompactionTargetSize(16 * 8192L).withImageLayerCreationCheckThreshold(0);

    @TempDir
    Path dir;

    private StrataEngine engine;
    private Tenant tenant;
    private int timelines;

    @BeforeEach
    void openEngine() {
        engine = open(dir, config(32 * 1024));
        tenant = engine.createTenant(TENANT).block(T);
    }

    @AfterEach
    void close() {
        engine.close().block(T);
    }

    private static Key k(int i) {
        return new Key(0, 1663, 5, 20000, 0, i);
    }

    private static KeyRange keys(int from, int to) {
        return new KeyRange(k(from), k(to));
    }

    /** Delta layer {@code n} (1-based): [0x10 n + 1, 0x10 (n + 1)), a record "+n" at 0x10 n + 2 on every key. */
    private record Delta(int n, KeyRange range) {
        Lsn start() {
            return Lsn.of(0x10L * n + (n == 1 ? 1 : 0));
        }

        Lsn end() {
            return Lsn.of(0x10L * (n + 1));
        }

        Lsn recordLsn() {
            return Lsn.of(0x10L * n + 2);
        }

        List<LayerEntry> entries() {
            List<LayerEntry> out = new ArrayList<>();
            for (Key key = range.start(); key.compareTo(range.end()) < 0; key = key.next()) {
                out.add(new LayerEntry(key, recordLsn(), new Value.WalRecord(NeonWalRecord.Test.walAppend("+" + n))));
            }
            return out;
        }
    }

    /** The oracle: every page at {@code lsn} given the deltas. */
    private static TreeMap<Key, byte[]> pagesAt(List<Delta> deltas, Lsn lsn) {
        TreeMap<Key, byte[]> out = new TreeMap<>();
        for (int i = 0; i < KEYS; i++) {
            ByteArrayOutputStream page = new ByteArrayOutputStream();
            page.writeBytes(("p" + i).getBytes(StandardCharsets.UTF_8));
            for (Delta d : deltas) {
                if (d.range().contains(k(i)) && !d.recordLsn().isAfter(lsn)) {
                    page.writeBytes(("+" + d.n()).getBytes(StandardCharsets.UTF_8));
                }
            }
            out.put(k(i), page.toByteArray());
        }
        return out;
    }

    private Timeline build(List<Delta> deltas) {
        TreeMap<Key, byte[]> base = new TreeMap<>();
        for (int i = 0; i < KEYS; i++) {
            base.put(k(i), ("p" + i).getBytes(StandardCharsets.UTF_8));
        }
        TimelineId id = TimelineId.parse(String.format("%032x", 0xa0 + ++timelines));
        TestTimelineBuilder b = TestTimelineBuilder.create(tenant, id, IMAGE_LSN).image(IMAGE_LSN, base)
                .endLsn(Lsn.of(0x100));
        deltas.forEach(d -> b.delta(d.range(), d.start(), d.end(), d.entries()));
        return b.build().block(T);
    }

    /** Adds a delta layer to a built timeline, as compaction would. */
    private static void addDelta(Timeline t, Delta d) {
        List<LayerEntry> entries = d.entries();
        WrittenLayer<?> layer = DeltaLayerWriter.write(t.writeContext(), d.range().start(), d.start(), d.end(),
                w -> Flux.fromIterable(entries).concatMap(e -> w.putValue(e.key(), e.lsn(), e.value()))
                        .then(Mono.defer(() -> w.finish(d.range().end())))).block(T);
        t.replaceHistoricLayers(List.of(layer), List.of()).block(T);
    }

    private static List<KeyRange> ranges(CreateImageLayersResult r) {
        return r.created().stream().map(PersistentLayerDesc::keyRange).toList();
    }

    @Test
    void createsAnImageOnlyWhereEnoughDeltasStackUp() {
        List<Delta> deltas = new ArrayList<>(List.of(new Delta(1, keys(16, 32)), new Delta(2, keys(16, 32)),
                new Delta(1, keys(32, 48))));
        Timeline t = build(deltas);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Partitioning p = ilc.repartition(LSN, CFG.compactionTargetSize(), false).block(T);
        List<KeySpace> parts = p.dense().parts();
        assertEquals(List.of(KeySpace.single(keys(0, 16)), KeySpace.single(keys(16, 32)),
                KeySpace.single(keys(32, 48)), KeySpace.single(keys(48, 64))), parts);

        // two deltas over part 1, one over part 2: below the threshold of 3
        assertFalse(ilc.timeForNewImageLayer(parts.get(1), LSN));
        CreateImageLayersResult none = ilc.createImageLayers(p, ImageLayerCreationMode.TRY, null).block(T);
        assertEquals(List.of(), none.created());
        assertEquals(LastImageLayerCreationStatus.COMPLETE, none.status());
        assertEquals(4, none.stats().partitionsProcessed());

        Delta third = new Delta(3, keys(16, 32));
        addDelta(t, third);
        deltas.add(third);
        assertTrue(ilc.timeForNewImageLayer(parts.get(1), LSN));
        assertFalse(ilc.timeForNewImageLayer(parts.get(0), LSN));
        assertFalse(ilc.timeForNewImageLayer(parts.get(2), LSN));
        // with a lower threshold part 2 would qualify too: the count is per part
        assertTrue(new ImageLayerCreation(t, CFG.withImageCreationThreshold(1)).timeForNewImageLayer(parts.get(2),
                LSN));

        CreateImageLayersResult one = ilc.createImageLayers(p, ImageLayerCreationMode.TRY, null).block(T);
        // the skipped part 0 moved the start on: the image covers exactly part 1
        assertEquals(List.of(new ImageLayerName(keys(16, 32), LSN)),
                one.created().stream().map(PersistentLayerDesc::name).toList());
        TreeMap<Key, byte[]> expected = new TreeMap<>(pagesAt(deltas, LSN).subMap(k(16), k(32)));
        assertSamePages(expected, imageContents(t, one.created().get(0)), "part 1 at " + LSN);
        AtomicInteger visited = new AtomicInteger();
        assertSamePages(expected, read(t, KeySpace.single(keys(16, 32)), LSN, visited), "reads of part 1");
        assertEquals(0, visited.get(), "reads at the image LSN visit no delta layer");

        // an image at the LSN: nothing new since
        assertFalse(ilc.timeForNewImageLayer(parts.get(1), LSN));
        assertEquals(List.of(), ilc.createImageLayers(p, ImageLayerCreationMode.TRY, null).block(T).created());
    }

    @Test
    void checksOnlyAfterEnoughWalOrTimeUnlessResuming() {
        List<Delta> deltas = List.of(new Delta(1, keys(0, 64)), new Delta(2, keys(0, 64)), new Delta(3, keys(0, 64)));
        Timeline t = build(deltas);
        MutableClock clock = new MutableClock();
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG.withImageLayerCreationCheckThreshold(2), clock);
        long distance = 2 * t.config().checkpointDistance();
        assertTrue(ilc.shouldCheckIfImageLayersRequired(LSN), "the first check");
        assertFalse(ilc.shouldCheckIfImageLayersRequired(LSN));
        assertFalse(ilc.shouldCheckIfImageLayersRequired(LSN.add(distance - 1)));
        assertTrue(ilc.shouldCheckIfImageLayersRequired(LSN.add(distance)), "two checkpoint distances of WAL");
        assertFalse(ilc.shouldCheckIfImageLayersRequired(LSN.add(distance)));
        clock.advance(t.config().checkpointTimeout());
        assertTrue(ilc.shouldCheckIfImageLayersRequired(LSN.add(distance)), "a checkpoint timeout later");
        assertThrows(IllegalArgumentException.class, () -> ilc.shouldCheckIfImageLayersRequired(LSN));

        // a fresh instance: its first run checks; consuming the check first makes a TRY run skip everything
        ImageLayerCreation gated = new ImageLayerCreation(t, CFG.withImageLayerCreationCheckThreshold(2), clock);
        Partitioning p = gated.repartition(LSN, CFG.compactionTargetSize(), false).block(T);
        assertTrue(gated.shouldCheckIfImageLayersRequired(LSN));
        assertTrue(gated.timeForNewImageLayer(p.dense().parts().get(0), LSN));
        assertEquals(List.of(), gated.createImageLayers(p, ImageLayerCreationMode.TRY, null).block(T).created());
        // ... but a run resuming an incomplete one always checks
        CreateImageLayersResult resumed = gated.createImageLayers(p.combined(), LSN, ImageLayerCreationMode.TRY,
                new LastImageLayerCreationStatus.Incomplete(k(16)), null).block(T);
        assertEquals(List.of(keys(16, 32), new KeyRange(k(32), k(48)), new KeyRange(k(48), Key.MAX)),
                ranges(resumed));
    }

    @Test
    void yieldsForL0AfterAnImageAndResumesAfterIt() {
        List<Delta> deltas = List.of(new Delta(1, keys(0, 64)), new Delta(2, keys(0, 64)), new Delta(3, keys(0, 64)));
        Timeline t = build(deltas);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Partitioning p = ilc.repartition(LSN, CFG.compactionTargetSize(), false).block(T);
        AtomicInteger asked = new AtomicInteger();

        CreateImageLayersResult first = ilc.createImageLayers(p, ImageLayerCreationMode.TRY, () -> {
            asked.incrementAndGet();
            return true;
        }).block(T);
        assertEquals(List.of(new KeyRange(Key.MIN, k(16))), ranges(first));
        assertEquals(new LastImageLayerCreationStatus.Incomplete(k(16)), first.status());
        assertEquals(first.status(), ilc.lastImageLayerCreationStatus());
        assertEquals(1, asked.get());
        assertEquals(1, first.stats().partitionsProcessed());

        // the next run (compaction's call, with the kept status) starts after the last key
        CreateImageLayersResult second = ilc.createImageLayers(p, ImageLayerCreationMode.TRY, () -> {
            asked.incrementAndGet();
            return false;
        }).block(T);
        assertEquals(List.of(keys(16, 32), keys(32, 48), new KeyRange(k(48), Key.MAX)), ranges(second));
        assertEquals(LastImageLayerCreationStatus.COMPLETE, second.status());
        assertEquals(4, asked.get(), "asked after each image");
        assertEquals(3, second.stats().partitionsTotal());

        List<PersistentLayerDesc> all = new ArrayList<>(first.created());
        all.addAll(second.created());
        assertSamePages(pagesAt(deltas, LSN), imageContents(t, all), "all images at " + LSN);

        // a status past the last partition: complete, nothing to do
        CreateImageLayersResult past = ilc.createImageLayers(p.combined(), LSN, ImageLayerCreationMode.TRY,
                new LastImageLayerCreationStatus.Incomplete(k(64)), () -> true).block(T);
        assertEquals(List.of(), past.created());
        assertEquals(LastImageLayerCreationStatus.COMPLETE, past.status());
    }

    @Test
    void neverYieldsInForceModeOrWithoutAPreemptThreshold() {
        List<Delta> deltas = List.of(new Delta(1, keys(0, 64)), new Delta(2, keys(0, 64)), new Delta(3, keys(0, 64)));
        AtomicInteger asked = new AtomicInteger();
        Timeline t1 = build(deltas);
        ImageLayerCreation noPreempt = new ImageLayerCreation(t1, CFG.withImageCreationPreemptThreshold(0));
        Partitioning p1 = noPreempt.repartition(LSN, CFG.compactionTargetSize(), false).block(T);
        CreateImageLayersResult r1 = noPreempt.createImageLayers(p1, ImageLayerCreationMode.TRY, () -> {
            asked.incrementAndGet();
            return true;
        }).block(T);
        assertEquals(4, r1.created().size());
        assertEquals(LastImageLayerCreationStatus.COMPLETE, r1.status());

        Timeline t2 = build(deltas);
        ImageLayerCreation force = new ImageLayerCreation(t2, CFG);
        Partitioning p2 = force.repartition(LSN, CFG.compactionTargetSize(), false).block(T);
        CreateImageLayersResult r2 = force.createImageLayers(p2, ImageLayerCreationMode.FORCE, () -> {
            asked.incrementAndGet();
            return true;
        }).block(T);
        assertEquals(4, r2.created().size());
        assertEquals(0, asked.get());
    }

    @Test
    void aCancelledRunLeavesNoFilesAndTheTimelineUnchanged() throws Exception {
        List<Delta> deltas = List.of(new Delta(1, keys(0, 64)), new Delta(2, keys(0, 64)), new Delta(3, keys(0, 64)));
        Timeline t = build(deltas);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Partitioning p = ilc.repartition(LSN, CFG.compactionTargetSize(), false).block(T);
        IndexPart before = t.indexPart();
        List<PersistentLayerDesc> layersBefore = List.copyOf(t.layers().map().historicLayers());

        AtomicReference<BaseSubscriber<CreateImageLayersResult>> run = new AtomicReference<>();
        AtomicReference<Object> outcome = new AtomicReference<>();
        AtomicInteger asked = new AtomicInteger();
        BaseSubscriber<CreateImageLayersResult> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnNext(CreateImageLayersResult value) {
                outcome.set(value);
            }

            @Override
            protected void hookOnError(Throwable e) {
                outcome.set(e);
            }
        };
        run.set(subscriber);
        // the first image is finished when the run asks whether to yield: cancel it right there
        ilc.createImageLayers(p, ImageLayerCreationMode.TRY, () -> {
            asked.incrementAndGet();
            run.get().dispose();
            return false;
        }).subscribe(subscriber);

        // the run is asynchronous: wait until it asked (and was cancelled), then for its cleanup
        long askedBy = System.nanoTime() + T.toNanos();
        while (asked.get() == 0 && System.nanoTime() < askedBy) {
            Thread.sleep(2);
        }
        awaitOnlyIndexedFiles(t);
        assertEquals(1, asked.get());
        assertEquals(null, outcome.get(), "a cancelled run emits nothing");
        assertEquals(before.layerMetadata(), t.indexPart().layerMetadata());
        assertEquals(layersBefore, List.copyOf(t.layers().map().historicLayers()));

        // once its cleanup is done the next run goes through
        CreateImageLayersResult r = null;
        long deadline = System.nanoTime() + T.toNanos();
        while (r == null) {
            try {
                r = ilc.createImageLayers(p, ImageLayerCreationMode.TRY, null).block(T);
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage().contains("concurrently") && System.nanoTime() < deadline, e.getMessage());
                Thread.sleep(10);
            }
        }
        assertEquals(4, r.created().size());
        assertSamePages(pagesAt(deltas, LSN), imageContents(t, r.created()), "images after the cancelled run");
    }

    /** A clock tests move forward by hand. */
    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2024-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
