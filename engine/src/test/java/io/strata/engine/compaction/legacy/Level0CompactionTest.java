package io.strata.engine.compaction.legacy;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.assertFilesSettle;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertPagesAt;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.expectedFiles;
import static io.strata.engine.timeline.TimelineTestSupport.files;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.LayerMapChecks;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * L0 compaction on engine timelines: L0s become L1s cut at the target size, reads at every LSN are the same before
 * and after (and after a restart), a size-limited pass leaves the rest pending, and a cancelled pass leaves the
 * timeline as it was.
 */
class Level0CompactionTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);
    private final AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 64, 4096);

    private static List<PersistentLayerDesc> l0(Timeline t) {
        return t.layers().map().level0Deltas();
    }

    private static List<PersistentLayerDesc> historic(Timeline t) {
        return List.copyOf(t.layers().map().historicLayers());
    }

    /** Ingests records in flushed chunks: one L0 per chunk (plus rolls). */
    private void ingest(Timeline t, long from, long to, long chunk) {
        for (long i = from; i <= to; i += chunk) {
            t.ingest(Flux.fromIterable(w.batches(i, Math.min(to, i + chunk - 1), 16))).block(T);
            t.freezeAndFlush().block(T);
        }
    }

    private void assertEveryLsn(Timeline t, long to) {
        Random rnd = new Random(7);
        for (long i : new long[] {1, w.keys, 100, 499, to - 1, to}) {
            if (i <= to) {
                assertPagesAt(t, w, w.lsn(i));
            }
        }
        for (int n = 0; n < 10; n++) {
            long i = 1 + rnd.nextInt((int) to);
            assertPagesAt(t, w, w.lsn(i).add(rnd.nextInt(8)));
        }
    }

    @Test
    void l0LayersBecomeL1LayersAndReadTheSame() throws Exception {
        StrataEngine engine = open(dir, config(1 << 20));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingest(t, 1, 1200, 100);
        int before = l0(t).size();
        assertTrue(before >= 10, "L0 layers: " + before);
        long inputBytes = l0(t).stream().mapToLong(PersistentLayerDesc::fileSize).sum();

        Level0Compaction.Options o = Level0Compaction.Options.of(t.config()).withTargetFileSize(64 * 1024);
        Level0Compaction.Result r = Level0Compaction.compactLevel0(t, o, pool).block(T);
        assertEquals(CompactionOutcome.DONE, r.outcome());
        assertEquals(before, r.compacted().size());
        assertEquals(0, l0(t).size(), "every L0 was merged");
        assertTrue(r.created().size() > 2, "cut at the target size: " + r.created());
        Lsn start = r.compacted().get(0).lsnStart();
        Lsn end = r.compacted().get(r.compacted().size() - 1).lsnEnd();
        for (PersistentLayerDesc l : r.created()) {
            assertFalse(l.isL0(), r.compacted() + " -> " + r.created());
            if (!l.lsnStart().equals(start) || !l.lsnEnd().equals(end)) {
                // a slice of one key's history, too large alone (here: the last key of every L0 carries the
                // block padding before the index in its size, as in Neon)
                assertEquals(l.keyRange().start().next(), l.keyRange().end(), "only single keys are sliced: " + l);
                assertTrue(l.lsnStart().compareTo(start) >= 0 && l.lsnEnd().compareTo(end) <= 0, l.toString());
            }
            assertTrue(l.fileSize() < 3 * 64 * 1024, "about the target size: " + l);
        }
        // L1s tile the key space in key order without overlap
        List<PersistentLayerDesc> l1 = r.created().stream().sorted(Comparator.comparing((PersistentLayerDesc l)
                -> l.keyRange().start()).thenComparing(PersistentLayerDesc::lsnStart)).toList();
        for (int i = 1; i < l1.size(); i++) {
            PersistentLayerDesc a = l1.get(i - 1);
            PersistentLayerDesc b = l1.get(i);
            boolean sameKeySlices = a.keyRange().equals(b.keyRange()) && a.lsnEnd().equals(b.lsnStart());
            assertTrue(sameKeySlices || a.keyRange().end().compareTo(b.keyRange().start()) <= 0, l1.toString());
        }
        long outputBytes = r.created().stream().mapToLong(PersistentLayerDesc::fileSize).sum();
        assertTrue(outputBytes > inputBytes / 2 && outputBytes < inputBytes * 2, inputBytes + " -> " + outputBytes);
        assertEquals(LayerMapChecks.checkValidLayerMap(historic(t).stream().map(PersistentLayerDesc::name).toList()),
                java.util.Optional.empty());
        // the L0 files are deleted after the compaction returned, in the background; no read holds them here
        t.retiredFilesDeleted().block(T);
        assertEquals(expectedFiles(t.indexPart()), files(t.directory()),
                "every retired L0 file is gone once retiredFilesDeleted completes");
        assertTrue(r.stats().toJson().contains("\"new_deltas_count\":" + r.created().size()), r.stats().toJson());
        assertEveryLsn(t, 1200);

        // more data on top, a second pass, then a restart
        ingest(t, 1201, 1500, 100);
        Level0Compaction.Result r2 = Level0Compaction.compactLevel0(t, o.withForce(true), pool).block(T);
        assertEquals(CompactionOutcome.DONE, r2.outcome());
        assertEveryLsn(t, 1500);
        engine.close().block(T);
        assertEquals(expectedFiles(t.indexPart()), files(t.directory()),
                "shutdown waits for the second pass's deletions");
        StrataEngine reopened = open(dir, config(1 << 20));
        Timeline t2 = reopened.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        assertEquals(0, l0(t2).size());
        assertEveryLsn(t2, 1500);
        reopened.close().block(T);
        assertEquals(pool.capacity(), pool.available(), "every merge buffer returned");
    }

    @Test
    void belowTheThresholdNothingHappensUnlessForced() {
        StrataEngine engine = open(dir, config(1 << 20));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingest(t, 1, 300, 100);
        List<PersistentLayerDesc> before = historic(t);
        Level0Compaction.Options o = Level0Compaction.Options.of(t.config());
        Level0Compaction.Result skipped = Level0Compaction.compactLevel0(t, o, pool).block(T);
        assertEquals(CompactionOutcome.SKIPPED, skipped.outcome());
        assertEquals(before, historic(t));
        Level0Compaction.Result forced = Level0Compaction.compactLevel0(t, o.withForce(true), pool).block(T);
        assertEquals(CompactionOutcome.DONE, forced.outcome());
        assertEquals(1, forced.created().size(), "small input: one L1");
        assertEveryLsn(t, 300);
        engine.close().block(T);
    }

    @Test
    void aSizeLimitedPassLeavesTheRestPending() {
        StrataEngine engine = open(dir, config(1 << 20));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingest(t, 1, 1200, 100);
        List<PersistentLayerDesc> l0Before = l0(t).stream()
                .sorted(Comparator.comparing(PersistentLayerDesc::lsnStart)).toList();
        long limit = l0Before.get(1).fileSize() + l0Before.get(2).fileSize();
        Level0Compaction.Options o = Level0Compaction.Options.of(t.config()).withDeltaSizeLimit(limit);
        Level0Compaction.Result r = Level0Compaction.compactLevel0(t, o, pool).block(T);
        assertEquals(CompactionOutcome.PENDING, r.outcome());
        assertEquals(l0Before.subList(0, 3), r.compacted(), "the oldest three: the first is not counted (Neon)");
        assertEquals(l0Before.size() - 3, l0(t).size());
        assertEveryLsn(t, 1200);
        engine.close().block(T);
    }

    @Test
    void cancellingMidwayLeavesTheTimelineAsItWas() throws Exception {
        StrataEngine engine = open(dir, config(1 << 20));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingest(t, 1, 1200, 100);
        List<PersistentLayerDesc> before = historic(t);
        List<String> filesBefore = files(t.directory());
        Level0Compaction.Options o = Level0Compaction.Options.of(t.config()).withTargetFileSize(16 * 1024);
        Disposable running = Level0Compaction.compactLevel0(t, o, pool).subscribe();
        // wait until it writes, then cancel
        long deadline = System.nanoTime() + T.toNanos();
        while (files(t.directory()).size() <= filesBefore.size() && System.nanoTime() < deadline
                && !running.isDisposed()) {
            Thread.sleep(1);
        }
        running.dispose();
        deadline = System.nanoTime() + T.toNanos();
        while (!files(t.directory()).equals(filesBefore) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (historic(t).equals(before)) {
            assertEquals(filesBefore, files(t.directory()), "new files removed after the cancel");
        } else {
            // the cancel came after the swap had begun: then the swap is complete
            assertEquals(0, l0(t).size());
            assertFilesSettle(t);
        }
        assertEveryLsn(t, 1200);
        deadline = System.nanoTime() + T.toNanos();
        while (pool.available() != pool.capacity() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(pool.capacity(), pool.available(), "every merge buffer returned");
        engine.close().block(T);
    }
    /** Neon's update_layer_visibility after compaction: L1s under a newer full image are covered, unless a branch reads them. */
    @Test
    void visibilityFollowsImagesAndBranchPoints() {
        StrataEngine engine = open(dir, config(1 << 20));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingest(t, 1, 600, 100);
        Level0Compaction.Result r = Level0Compaction.compactLevel0(t, Level0Compaction.Options.of(t.config())
                .withForce(true), pool).block(T);
        assertEquals(0, t.updateLayerVisibility(), "nothing covers the L1s yet");
        ingest(t, 601, 700, 100);
        io.strata.engine.timeline.GcTest.forceImageLayer(t, w, t.lastRecordLsn());
        assertEquals(r.created().size(), t.updateLayerVisibility(), "the full image at the tip covers every L1");
        for (PersistentLayerDesc l : r.created()) {
            assertEquals(io.strata.engine.layermap.LayerVisibilityHint.COVERED, t.layerVisibility(l.name()));
        }
        tenant.branchTimeline(TIMELINE, io.strata.engine.key.TimelineId.parse("c3000000000000000000000000000003"),
                java.util.Optional.of(w.lsn(300))).block(T);
        assertEquals(0, t.updateLayerVisibility(), "a branch at 300 reads the L1s");
        assertEquals(io.strata.engine.layermap.LayerVisibilityHint.VISIBLE,
                t.layerVisibility(r.created().get(0).name()));
        engine.close().block(T);
    }
}
