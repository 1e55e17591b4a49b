package io.strata.engine.timeline;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertPagesAt;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Branches: reads at, below and above the branch point, divergence, restart, and the checks on the branch point. */
class BranchTest {
    private static final TimelineId CHILD = TimelineId.parse("c1000000000000000000000000000001");
    private static final TimelineId GRANDCHILD = TimelineId.parse("c2000000000000000000000000000002");

    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);

    private static byte[] page(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void childReadsTheParentAtAndBelowTheBranchPointAndItsOwnDataAbove() throws Exception {
        StrataEngine engine = open(dir, config(32 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline parent = tenant.createTimeline(TIMELINE, w.start).block(T);
        parent.ingest(Flux.fromIterable(w.batches(1, 500, 16))).block(T);
        Lsn branchLsn = w.lsn(400);
        Timeline child = tenant.branchTimeline(TIMELINE, CHILD, Optional.of(branchLsn)).block(T);
        assertEquals(branchLsn, child.lastRecordLsn());
        assertEquals(Optional.of(TIMELINE), child.indexPart().metadata().ancestorTimeline());
        assertEquals(branchLsn, child.indexPart().metadata().ancestorLsn());
        // the branch point was above the parent's disk-consistent LSN: the parent flushed up to it
        assertTrue(parent.diskConsistentLsn().compareTo(branchLsn) >= 0, parent.diskConsistentLsn().toString());

        // at and below the branch point the child is the parent
        assertPagesAt(child, w, branchLsn);
        assertPagesAt(child, w, w.lsn(123));
        // above it the child does not see the parent's records 401..500
        TreeMap<Key, byte[]> atBranch = w.pagesAt(branchLsn);
        List<io.strata.engine.read.Page> above = child.getVectored(Workload.keySpace(atBranch.keySet()),
                w.lsn(500).add(100)).collectList().block(T);
        assertEquals(atBranch.size(), above.size());
        for (io.strata.engine.read.Page p : above) {
            assertArrayEquals(atBranch.get(p.key()), p.bytes(), "page " + p.key());
        }
        assertTrue(!java.util.Arrays.equals(w.pagesAt(w.lsn(500)).get(w.key(450)), atBranch.get(w.key(450))),
                "the parent changed key " + w.key(450) + " after the branch point");
        engine.close().block(T);
    }

    @Test
    void deleteIsRefusedWhileBranchesExistAndRemovesTheTimelineDurably() throws Exception {
        StrataEngine engine = open(dir, config(32 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline parent = tenant.createTimeline(TIMELINE, w.start).block(T);
        parent.ingest(Flux.fromIterable(w.batches(1, 300, 16))).block(T);
        Lsn branchLsn = w.lsn(200);
        tenant.branchTimeline(TIMELINE, CHILD, Optional.of(branchLsn)).block(T);
        assertEquals(List.of(branchLsn), parent.gcInfo().retainLsns().stream().map(GcInfo.RetainLsn::lsn).toList());

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> tenant.deleteTimeline(TIMELINE).block(T));
        assertTrue(refused.getMessage().contains("child timelines [" + CHILD + "]"), refused.getMessage());
        assertTrue(tenant.timeline(TIMELINE).isPresent());

        Path childDir = tenant.timelineDirectory(CHILD);
        tenant.deleteTimeline(CHILD).block(T);
        assertTrue(tenant.timeline(CHILD).isEmpty());
        assertTrue(!java.nio.file.Files.exists(childDir), childDir + " removed");
        assertEquals(List.of(), parent.gcInfo().retainLsns(), "the parent no longer retains the branch point");
        assertThrows(IllegalArgumentException.class, () -> tenant.deleteTimeline(CHILD).block(T));
        engine.close().block(T);

        StrataEngine reopened = open(dir, config(32 * 1024));
        Tenant t2 = reopened.tenant(TENANT).orElseThrow();
        assertEquals(List.of(TIMELINE), t2.timelines().stream().map(Timeline::id).toList());
        assertPagesAt(t2.timeline(TIMELINE).orElseThrow(), w, w.lsn(300));
        t2.deleteTimeline(TIMELINE).block(T);
        assertEquals(List.of(), t2.timelines());
        reopened.close().block(T);
    }

    @Test
    void divergingHistoriesSurviveRestart() throws Exception {
        StrataEngine engine = open(dir, config(32 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline parent = tenant.createTimeline(TIMELINE, w.start).block(T);
        parent.ingest(Flux.fromIterable(w.batches(1, 400, 16))).block(T);
        Lsn branchLsn = w.lsn(400);
        Timeline child = tenant.branchTimeline(TIMELINE, CHILD, Optional.empty()).block(T);
        assertEquals(branchLsn, child.indexPart().metadata().ancestorLsn(), "default: the parent's last record");

        // the parent goes on with the workload; the child overwrites a few keys with its own images
        parent.ingest(Flux.fromIterable(w.batches(401, 600, 16))).block(T);
        Key k = w.key(7);
        Key k2 = w.key(8);
        child.ingest(Flux.just(List.of(
                new IngestRecord(k, branchLsn.add(8), new Value.Image(page("child-a"))),
                new IngestRecord(k2, branchLsn.add(16), new Value.Image(page("child-b")))))).block(T);
        IngestOrderException e = assertThrows(IngestOrderException.class, () -> child.ingest(Flux.just(List.of(
                new IngestRecord(k, branchLsn, new Value.Image(page("x")))))).block(T));
        assertTrue(e.getMessage().contains(branchLsn.toString()), e.getMessage());

        checkDiverged(parent, child, branchLsn, k, k2);
        parent.freezeAndFlush().block(T);
        child.freezeAndFlush().block(T);
        engine.close().block(T);

        StrataEngine reopened = open(dir, config(32 * 1024));
        Tenant t2 = reopened.tenant(TENANT).orElseThrow();
        Timeline p2 = t2.timeline(TIMELINE).orElseThrow();
        Timeline c2 = t2.timeline(CHILD).orElseThrow();
        assertEquals(List.of(new GcInfo.RetainLsn(branchLsn, CHILD)), p2.gcInfo().retainLsns(),
                "the parent retains the branch point after a restart");
        checkDiverged(p2, c2, branchLsn, k, k2);
        reopened.close().block(T);
    }

    private void checkDiverged(Timeline parent, Timeline child, Lsn branchLsn, Key k, Key k2) {
        assertPagesAt(parent, w, w.lsn(600));
        assertPagesAt(child, w, branchLsn);
        assertArrayEquals(page("child-a"), child.get(k, branchLsn.add(8)).block(T));
        assertArrayEquals(page("child-b"), child.get(k2, branchLsn.add(100)).block(T));
        // a key the child did not write reads as the parent had it at the branch point, whatever the parent did since
        Key other = w.key(9);
        TreeMap<Key, byte[]> atBranch = w.pagesAt(branchLsn);
        assertArrayEquals(atBranch.get(other), child.get(other, branchLsn.add(100)).block(T));
        // the child's writes are not in the parent
        assertArrayEquals(w.pagesAt(w.lsn(600)).get(k), parent.get(k, w.lsn(600)).block(T));
    }

    @Test
    void branchOfABranch() {
        StrataEngine engine = open(dir, config(32 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline parent = tenant.createTimeline(TIMELINE, w.start).block(T);
        parent.ingest(Flux.fromIterable(w.batches(1, 300, 16))).block(T);
        Timeline child = tenant.branchTimeline(TIMELINE, CHILD, Optional.of(w.lsn(200))).block(T);
        // below the child's own branch point is not a valid start for a branch of the child
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tenant.branchTimeline(CHILD, GRANDCHILD, Optional.of(w.lsn(100))).block(T));
        assertTrue(e.getMessage().contains(w.lsn(200).toString()), e.getMessage());
        Key k = w.key(5);
        child.ingest(Flux.just(List.of(new IngestRecord(k, w.lsn(200).add(8),
                new Value.Image(page("child")))))).block(T);
        Timeline grandchild = tenant.branchTimeline(CHILD, GRANDCHILD, Optional.empty()).block(T);
        assertEquals(w.lsn(200).add(8), grandchild.indexPart().metadata().ancestorLsn());
        assertArrayEquals(page("child"), grandchild.get(k, w.lsn(200).add(8)).block(T));
        assertPagesAt(grandchild, w, w.lsn(150));
        engine.close().block(T);
    }

    @Test
    void branchPointIsWaitedForAndUnknownTimelinesRefused() {
        StrataEngine engine = open(dir, config(32 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline parent = tenant.createTimeline(TIMELINE, w.start).block(T);
        parent.ingest(Flux.fromIterable(w.batches(1, 100, 16))).block(T);
        // a branch point the parent has not reached yet: created once the parent gets there
        var pending = tenant.branchTimeline(TIMELINE, CHILD, Optional.of(w.lsn(150)))
                .subscribeOn(Schedulers.boundedElastic()).toFuture();
        parent.ingest(Flux.fromIterable(w.batches(101, 200, 16))).block(T);
        Timeline child = pending.join();
        assertPagesAt(child, w, w.lsn(150));

        Throwable unknown = assertThrows(Throwable.class, () -> tenant.branchTimeline(
                TimelineId.parse("dddddddddddddddddddddddddddddddd"), GRANDCHILD, Optional.empty()).block(T));
        assertInstanceOf(IllegalArgumentException.class, unknown);
        assertThrows(IllegalStateException.class,
                () -> tenant.branchTimeline(TIMELINE, CHILD, Optional.empty()).block(T), "id taken");
        engine.close().block(T);
    }
}
