package io.strata.engine.timeline;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertFilesSettle;
import static io.strata.engine.timeline.TimelineTestSupport.assertPagesAt;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.expectedFiles;
import static io.strata.engine.timeline.TimelineTestSupport.files;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.read.Page;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Legacy layer GC on engine timelines: what it removes (layers below the cutoff covered by newer images), what it
 * keeps for branches, leases and the horizon, the applied cutoff refusing reads below it (also after a restart),
 * and GC held back after a load.
 */
public class GcTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);

    /** No grace period after loads unless a test asks for one; PITR off: the horizon alone decides. */
    private static EngineConfig gcConfig(Duration leaseLength) {
        EngineConfig c = config(32 * 1024);
        return c.withTimeline(c.timeline().withGc(new GcConfig(0, Duration.ZERO, leaseLength)));
    }

    /** Ingests records 1..n and flushes them: L0 delta layers up to the last record. */
    private void ingestAndFlush(Timeline t, long from, long n) {
        t.ingest(Flux.fromIterable(w.batches(from, n, 16))).block(T);
        t.freezeAndFlush().block(T);
    }

    /**
     * Image creation by hand (what compaction's image creation does): every page at {@code lsn} into one image layer
     * over the whole key space, swapped in durably.
     */
    public static WrittenLayer<?> forceImageLayer(Timeline t, Workload w, Lsn lsn) {
        TreeMap<Key, byte[]> pages = w.pagesAt(lsn);
        List<Page> read = t.getVectored(Workload.keySpace(pages.keySet()), lsn).collectList().block(T);
        WrittenLayer<?> layer = ImageLayerWriter.write(t.writeContext(), KeyRange.FULL, lsn,
                ImageCompressionAlgorithm.DISABLED, wr -> Flux.fromIterable(read)
                        .concatMap(p -> wr.putImage(p.key(), p.bytes()))
                        .then(Mono.defer(wr::finish))).block(T);
        t.replaceHistoricLayers(List.of(layer), List.of()).block(T);
        return layer;
    }

    private static List<PersistentLayerDesc> layers(Timeline t) {
        return List.copyOf(t.layers().map().historicLayers());
    }

    @Test
    void removesLayersCoveredByNewerImagesAndRefusesReadsBelowTheCutoff() throws Exception {
        StrataEngine engine = open(dir, gcConfig(Duration.ZERO));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 600);
        Lsn imageLsn = w.lsn(600);
        forceImageLayer(t, w, imageLsn);
        ingestAndFlush(t, 601, 900);
        List<PersistentLayerDesc> before = layers(t);
        long l0Below = before.stream().filter(l -> l.isDelta() && !l.lsnEnd().isAfter(imageLsn)).count();
        assertTrue(l0Below > 1, "several L0 layers below the image: " + before);

        // horizon: keep history from record 700 on; the image at 600 covers everything below it
        Lsn last = t.lastRecordLsn();
        long horizon = last.value() - w.lsn(700).value();
        SortedMap<TimelineId, GcResult> results = tenant.gcIteration(Optional.empty(), horizon, Duration.ZERO)
                .block(T);
        GcResult r = results.get(TIMELINE);
        assertEquals(w.lsn(700), r.newCutoff());
        assertEquals(w.lsn(700), t.appliedGcCutoffLsn());
        assertEquals(before.size(), r.layersTotal());
        assertEquals(l0Below, r.layersRemoved(), r.toJson());
        for (PersistentLayerDesc gone : r.removed()) {
            assertTrue(gone.isDelta() && !gone.lsnEnd().isAfter(imageLsn), gone.toString());
        }
        // the image itself is the newest data for keys below 700: kept, as are layers above the cutoff
        assertTrue(layers(t).stream().anyMatch(l -> !l.isDelta() && l.lsnStart().equals(imageLsn)));
        assertEquals(before.size() - l0Below, layers(t).size());
        assertEquals(r.layersNeededByCutoff() + r.layersNotUpdated() + r.layersRemoved(), r.layersTotal(),
                r.toJson());
        // the files went with them (once no read held them), the index says the new cutoff
        assertFilesSettle(t);
        assertEquals(w.lsn(700), t.indexPart().metadata().latestGcCutoffLsn());

        // reads at and above the cutoff are right; below it they are refused, naming both LSNs
        for (long i : new long[] {700, 701, 800, 900}) {
            assertPagesAt(t, w, w.lsn(i));
        }
        Throwable e = assertThrows(Throwable.class,
                () -> t.getVectored(Workload.keySpace(w.pagesAt(w.lsn(650)).keySet()), w.lsn(650)).blockLast(T));
        GcCutoffException gce = assertInstanceOf(GcCutoffException.class, e);
        assertEquals(w.lsn(650), gce.lsn());
        assertEquals(w.lsn(700), gce.cutoff());
        assertTrue(gce.getMessage().contains(w.lsn(650).toString()) && gce.getMessage().contains(
                w.lsn(700).toString()), gce.getMessage());
        assertThrows(GcCutoffException.class, () -> t.get(w.key(650), w.lsn(650)).block(T));

        // a second run with the same horizon has nothing to do
        GcResult again = tenant.gcIteration(Optional.of(TIMELINE), horizon, Duration.ZERO).block(T).get(TIMELINE);
        assertEquals(0, again.layersRemoved());

        // the cutoff survives a restart
        engine.close().block(T);
        StrataEngine reopened = open(dir, gcConfig(Duration.ZERO));
        Timeline t2 = reopened.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        assertEquals(w.lsn(700), t2.appliedGcCutoffLsn());
        assertThrows(GcCutoffException.class, () -> t2.get(w.key(650), w.lsn(650)).block(T));
        assertPagesAt(t2, w, w.lsn(900));
        reopened.close().block(T);
    }

    @Test
    void keepsWhatABranchPointNeeds() {
        StrataEngine engine = open(dir, gcConfig(Duration.ZERO));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 300);
        Lsn branchLsn = w.lsn(250);
        TimelineId childId = TimelineId.parse("c0000000000000000000000000000001");
        Timeline child = tenant.branchTimeline(TIMELINE, childId, Optional.of(branchLsn)).block(T);
        assertEquals(List.of(new GcInfo.RetainLsn(branchLsn, childId)), t.gcInfo().retainLsns());
        // an L0 layer ending at 450 < the image at 600 (the one ending just above 600 stays: the image does not
        // cover its last LSN)
        ingestAndFlush(t, 301, 450);
        ingestAndFlush(t, 451, 600);
        forceImageLayer(t, w, w.lsn(600));
        ingestAndFlush(t, 601, 800);

        GcResult r = tenant.gcIteration(Optional.of(TIMELINE), t.lastRecordLsn().value() - w.lsn(700).value(),
                Duration.ZERO).block(T).get(TIMELINE);
        assertTrue(r.layersNeededByBranches() > 0, r.toJson());
        // every layer that starts at or below the branch point is still there
        for (PersistentLayerDesc l : r.removed()) {
            assertTrue(l.lsnStart().isAfter(branchLsn), "removed " + l + " which the branch at " + branchLsn
                    + " may need");
        }
        assertTrue(r.layersRemoved() > 0, "layers between the branch point and the image went: " + r.toJson());
        // the parent refuses reads below its cutoff, the child still reads its branch point through it
        assertThrows(GcCutoffException.class, () -> t.get(w.key(250), branchLsn).block(T));
        assertPagesAt(child, w, branchLsn);
        assertPagesAt(child, w, w.lsn(100));
        engine.close().block(T);
    }

    @Test
    void keepsWhatALeaseNeedsUntilItExpires() throws Exception {
        StrataEngine engine = open(dir, gcConfig(Duration.ZERO));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 300);
        Lsn leased = w.lsn(200);
        LsnLease lease = t.leaseLsn(leased, Duration.ofMinutes(1), true);
        assertEquals(leased, lease.lsn());
        // a shorter renewal does not shorten it
        assertEquals(lease.validUntil(), t.leaseLsn(leased, Duration.ofMillis(1), false).validUntil());
        ingestAndFlush(t, 301, 450);
        ingestAndFlush(t, 451, 600);
        forceImageLayer(t, w, w.lsn(600));
        ingestAndFlush(t, 601, 800);
        long horizon = t.lastRecordLsn().value() - w.lsn(700).value();

        GcResult r = tenant.gcIteration(Optional.of(TIMELINE), horizon, Duration.ZERO).block(T).get(TIMELINE);
        assertTrue(r.layersNeededByLeases() > 0, r.toJson());
        r.removed().forEach(l -> assertTrue(l.lsnStart().isAfter(leased), l.toString()));
        // the leased LSN still reads, though it is below the applied cutoff for new requests
        assertEquals(w.lsn(700), t.appliedGcCutoffLsn());
        // new leases below the applied cutoff are refused
        GcCutoffException refused = assertThrows(GcCutoffException.class,
                () -> t.leaseLsn(w.lsn(650), Duration.ofMinutes(1), true));
        assertEquals(w.lsn(700), refused.cutoff());

        // the lease runs out (as if a minute had passed): the next refresh drops it and GC goes on
        t.updateGcInfo(i -> i.withLease(new LsnLease(leased, java.time.Instant.now().minusMillis(1))));
        // (as in Neon, GC only runs when the cutoff moves)
        long horizon2 = t.lastRecordLsn().value() - w.lsn(750).value();
        GcResult after = tenant.gcIteration(Optional.of(TIMELINE), horizon2, Duration.ZERO).block(T).get(TIMELINE);
        assertEquals(0, after.layersNeededByLeases(), after.toJson());
        assertTrue(after.layersRemoved() > 0, after.toJson());
        assertTrue(t.gcInfo().leases().isEmpty());
        engine.close().block(T);
    }

    @Test
    void branchesAndLeasesBelowTheCutoffsAreRefused() {
        StrataEngine engine = open(dir, gcConfig(Duration.ZERO));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 600);
        forceImageLayer(t, w, w.lsn(600));
        ingestAndFlush(t, 601, 800);
        long horizon = t.lastRecordLsn().value() - w.lsn(700).value();
        tenant.gcIteration(Optional.of(TIMELINE), horizon, Duration.ZERO).block(T);
        assertEquals(w.lsn(700), t.appliedGcCutoffLsn());

        TimelineId child = TimelineId.parse("c0000000000000000000000000000002");
        Throwable e = assertThrows(Throwable.class,
                () -> tenant.branchTimeline(TIMELINE, child, Optional.of(w.lsn(650))).block(T));
        assertInstanceOf(GcCutoffException.class, e);
        assertTrue(tenant.timeline(child).isEmpty());
        // a refused branch may be asked again at once, even from the refusal's own signal: the id is free by then
        Throwable again = assertThrows(Throwable.class, () -> tenant.branchTimeline(TIMELINE, child,
                        Optional.of(w.lsn(650)))
                .onErrorResume(first -> tenant.branchTimeline(TIMELINE, child, Optional.of(w.lsn(650)))).block(T));
        assertInstanceOf(GcCutoffException.class, again);
        assertFalse(tenant.timelineDirectory(child).toFile().exists(), "nothing half-created");

        // the planned cutoff (next GC) is above the applied one: a new branch or lease below it is refused too
        t.updateGcInfo(i -> i.withCutoffs(new GcCutoffs(w.lsn(750), Optional.of(w.lsn(750)))));
        assertThrows(GcCutoffException.class,
                () -> tenant.branchTimeline(TIMELINE, child, Optional.of(w.lsn(720))).block(T));
        assertThrows(GcCutoffException.class, () -> t.leaseLsn(w.lsn(720), Duration.ofMinutes(1), true));
        // ... unless a lease holds exactly that LSN (taken before the planned cutoff moved)
        t.updateGcInfo(i -> i.withLease(new LsnLease(w.lsn(720), java.time.Instant.now().plusSeconds(60))));
        Timeline c = tenant.branchTimeline(TIMELINE, child, Optional.of(w.lsn(720))).block(T);
        assertPagesAt(c, w, w.lsn(720));
        engine.close().block(T);
    }

    @Test
    void gcWaitsOneLeaseLengthAfterALoad() {
        StrataEngine engine = open(dir, gcConfig(Duration.ofHours(1)));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 600);
        forceImageLayer(t, w, w.lsn(600));
        ingestAndFlush(t, 601, 800);
        long horizon = t.lastRecordLsn().value() - w.lsn(700).value();
        engine.close().block(T);

        StrataEngine reopened = open(dir, gcConfig(Duration.ofHours(1)));
        Tenant tenant2 = reopened.tenant(TENANT).orElseThrow();
        Timeline t2 = tenant2.timeline(TIMELINE).orElseThrow();
        int layersBefore = layers(t2).size();
        Map<TimelineId, GcResult> none = tenant2.gcIteration(Optional.empty(), horizon, Duration.ZERO).block(T);
        assertTrue(none.isEmpty(), "GC is held back for one lease length after a load: " + none);
        assertEquals(layersBefore, layers(t2).size());
        assertEquals(Lsn.INVALID, t2.appliedGcCutoffLsn());
        // within the grace period a renewal below the planned cutoff is accepted (its lease was forgotten)
        t2.updateGcInfo(i -> i.withCutoffs(new GcCutoffs(w.lsn(750), Optional.of(w.lsn(750)))));
        assertEquals(w.lsn(720), t2.leaseLsn(w.lsn(720), Duration.ofMinutes(1), false).lsn());
        assertThrows(GcCutoffException.class, () -> t2.leaseLsn(w.lsn(710), Duration.ofMinutes(1), true));
        reopened.close().block(T);
    }

    @Test
    void timeCutoffFollowsWhenLsnsArrived() throws Exception {
        StrataEngine engine = open(dir, gcConfig(Duration.ZERO));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 300);
        Thread.sleep(1200);
        java.time.Instant between = java.time.Instant.now();
        Thread.sleep(1200);
        ingestAndFlush(t, 301, 600);
        Lsn last = t.lastRecordLsn();
        java.time.Instant now = java.time.Instant.now();
        Duration pitr = Duration.between(between, now);
        // PITR set and known: authoritative for both cutoffs, at the last LSN that had arrived by then
        GcCutoffs c = t.findGcCutoffs(now, last, pitr);
        assertEquals(w.lsn(300), c.space());
        assertEquals(Optional.of(w.lsn(300)), c.time());
        // PITR longer than the history: unknown, so nothing beyond the applied cutoff goes
        GcCutoffs unknown = t.findGcCutoffs(now, last, Duration.ofDays(1));
        assertEquals(Optional.of(t.appliedGcCutoffLsn()), unknown.time());
        assertEquals(Lsn.INVALID, unknown.selectMin());
        // no PITR: the horizon decides; the time cutoff is the last record
        GcCutoffs spaceOnly = t.findGcCutoffs(now, w.lsn(100), Duration.ZERO);
        assertEquals(w.lsn(100), spaceOnly.space());
        assertEquals(Optional.of(last), spaceOnly.time());
        engine.close().block(T);
    }
    /** A read that began before GC moved the cutoff finishes on the layers it needs: GC waits for it. */
    @Test
    void gcWaitsForReadsThatBeganBeforeTheCutoffMoved() throws Exception {
        StrataEngine engine = open(dir, gcConfig(Duration.ZERO));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 300);
        ingestAndFlush(t, 301, 600);
        forceImageLayer(t, w, w.lsn(600));
        ingestAndFlush(t, 601, 800);
        Lsn old = w.lsn(250);
        TreeMap<Key, byte[]> expected = w.pagesAt(old);
        java.util.List<Page> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CompletableFuture<Void> readDone = new java.util.concurrent.CompletableFuture<>();
        reactor.core.publisher.BaseSubscriber<Page> reader = new reactor.core.publisher.BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                s.request(1);
            }

            @Override
            protected void hookOnNext(Page p) {
                got.add(p);
            }

            @Override
            protected void hookOnComplete() {
                readDone.complete(null);
            }

            @Override
            protected void hookOnError(Throwable e) {
                readDone.completeExceptionally(e);
            }
        };
        t.getVectored(Workload.keySpace(expected.keySet()), old).subscribe(reader);
        long deadline = System.nanoTime() + T.toNanos();
        while (got.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, got.size());

        long horizon = t.lastRecordLsn().value() - w.lsn(700).value();
        var gc = tenant.gcIteration(Optional.of(TIMELINE), horizon, Duration.ZERO).toFuture();
        Thread.sleep(300);
        assertFalse(gc.isDone(), "GC waits for the read that began before the cutoff moved");
        // new reads below the new cutoff are refused already
        assertThrows(GcCutoffException.class, () -> t.get(w.key(250), old).block(T));

        reader.request(Long.MAX_VALUE);
        readDone.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(expected.size(), got.size());
        for (Page p : got) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(p.key()), p.bytes(), p.key().toString());
        }
        GcResult r = gc.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).get(TIMELINE);
        assertTrue(r.layersRemoved() > 0, r.toJson());
        engine.close().block(T);
    }
}
