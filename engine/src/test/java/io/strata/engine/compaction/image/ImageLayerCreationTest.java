package io.strata.engine.compaction.image;

import static io.strata.engine.compaction.image.ImageTestSupport.assertOnlyIndexedFiles;
import static io.strata.engine.compaction.image.ImageTestSupport.awaitOnlyIndexedFiles;
import static io.strata.engine.compaction.image.ImageTestSupport.assertSamePages;
import static io.strata.engine.compaction.image.ImageTestSupport.imageContents;
import static io.strata.engine.compaction.image.ImageTestSupport.read;
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
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.read.PageReconstructException;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.GcConfig;
import io.strata.engine.timeline.GcResult;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Image layer creation on engine timelines fed by the deterministic {@link Workload}: forced images hold exactly the
 * oracle's pages and serve reads, partitions, shards, failures that must change nothing, FSM/VM zero pages, legacy GC
 * over the new images, and a branch's inherited keys.
 */
class ImageLayerCreationTest {
    private static final int TARGET_PAGES = 16;
    private static final ImageLayerCreationConfig CFG = ImageLayerCreationConfig.defaults()
            .withCompactionTargetSize(TARGET_PAGES * 8192L);

    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);
    private StrataEngine engine;

    /** PITR off and no lease grace: the horizon alone decides GC. */
    private static EngineConfig engineConfig() {
        EngineConfig c = config(32 * 1024);
        return c.withTimeline(c.timeline().withGc(new GcConfig(0, Duration.ZERO, Duration.ZERO)));
    }

    private Tenant tenant() {
        engine = open(dir, engineConfig());
        return engine.createTenant(TENANT).block(T);
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close().block(T);
        }
    }

    private void ingestAndFlush(Timeline t, long from, long to) {
        t.ingest(Flux.fromIterable(w.batches(from, to, 16))).block(T);
        t.freezeAndFlush().block(T);
    }

    private static void ingestAndFlush(Timeline t, List<IngestRecord> records) {
        t.ingest(Flux.just(records)).block(T);
        t.freezeAndFlush().block(T);
    }

    /** A page and then a record whose WAL redo fails on it: reads of the key fail with PageReconstructException. */
    private static List<IngestRecord> unreconstructable(Key key, Lsn at) {
        return List.of(new IngestRecord(key, at, new Value.Image("base".getBytes())),
                new IngestRecord(key, at.add(1),
                        new Value.WalRecord(NeonWalRecord.Test.walAppendConditional("x", "not the base"))));
    }

    private static List<PersistentLayerDesc> historic(Timeline t) {
        return List.copyOf(t.layers().map().historicLayers());
    }

    private static KeySpace union(List<KeySpace> parts) {
        KeySpace.Builder b = KeySpace.builder();
        parts.forEach(b::addAll);
        return b.build();
    }

    private static long keyCount(KeySpace ks) {
        long n = 0;
        for (var r : ks.ranges()) {
            for (Key k = r.start(); k.compareTo(r.end()) < 0; k = k.next()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void forceCoversTheKeySpaceWithTheOraclesPagesAndServesReads() {
        Timeline t = tenant().createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 300);
        ingestAndFlush(t, 301, 600);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);

        // the L0/L1 boundary: the end of the newest delta layer
        Lsn lsn = ilc.partitionLsn();
        Lsn newestDeltaEnd = historic(t).stream().map(PersistentLayerDesc::lsnEnd).max(Lsn::compareTo).orElseThrow();
        assertEquals(newestDeltaEnd, lsn);

        Partitioning p = ilc.repartition(lsn, CFG.compactionTargetSize(), false).block(T);
        TreeMap<Key, byte[]> expected = w.pagesAt(lsn);
        assertEquals(lsn, p.lsn());
        assertEquals(Workload.keySpace(expected.keySet()), union(p.dense().parts()));
        assertTrue(p.sparse().isEmpty());
        // every L0 lies wholly below the LSN: each one's keys were listed once and are kept for the next time
        assertEquals(historic(t).size(), ilc.keySpaceCollector().cachedLayers());
        // 97 keys in parts of at most 16: six full ones and the rest
        assertEquals(7, p.dense().parts().size());
        for (int i = 0; i < p.dense().parts().size(); i++) {
            assertEquals(i < 6 ? TARGET_PAGES : 1, keyCount(p.dense().parts().get(i)), "part " + i);
        }

        CreateImageLayersResult r = ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T);
        assertEquals(LastImageLayerCreationStatus.COMPLETE, r.status());
        assertEquals(7, r.created().size());
        assertEquals(7, r.stats().imageLayers());
        assertEquals(97, r.stats().keys());
        // one image per part at the LSN, no holes: from Key.MIN to Key.MAX
        Key expectedStart = Key.MIN;
        for (int i = 0; i < r.created().size(); i++) {
            PersistentLayerDesc d = r.created().get(i);
            assertEquals(lsn, d.imageLayerLsn());
            assertEquals(expectedStart, d.keyRange().start(), d.toString());
            KeySpace part = p.dense().parts().get(i);
            assertEquals(i == 6 ? Key.MAX : part.end().orElseThrow(), d.keyRange().end());
            assertEquals(part, Workload.keySpace(imageContents(t, d).keySet()), "layer " + i + " holds its part");
            expectedStart = d.keyRange().end();
        }
        assertSamePages(expected, imageContents(t, r.created()), "images at " + lsn);
        for (PersistentLayerDesc d : r.created()) {
            assertTrue(t.indexPart().layerMetadata().containsKey(d.name()), d + " is in the index");
        }

        // reads at the LSN come from the images alone
        AtomicInteger deltas = new AtomicInteger();
        assertSamePages(expected, read(t, Workload.keySpace(expected.keySet()), lsn, deltas), "reads at " + lsn);
        assertEquals(0, deltas.get(), "no delta layer visited at the image LSN");

        // reads above stay exact as new WAL arrives on top of the images
        ingestAndFlush(t, 601, 800);
        for (Lsn at : List.of(lsn, w.lsn(650), w.lsn(700), w.lsn(800))) {
            assertPagesAt(t, w, at);
        }

        // forcing again at the same LSN finds every image there already
        CreateImageLayersResult again = ilc.createImageLayers(p.combined(), lsn, ImageLayerCreationMode.FORCE,
                LastImageLayerCreationStatus.COMPLETE, null).block(T);
        assertEquals(List.of(), again.created());
        assertEquals(7, again.stats().partitionsProcessed());
    }

    @Test
    void repartitionKeepsItsPartitioningWithinTheThresholdAndRefusesGoingBack() {
        Timeline t = tenant().createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 1000);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        // checkpoint distance 32 KiB: the threshold is a tenth of it
        assertEquals(32 * 1024 / 10, ilc.repartitionThreshold());
        Lsn first = w.lsn(150);
        Partitioning p1 = ilc.repartition(first, CFG.compactionTargetSize(), false).block(T);
        assertEquals(Workload.keySpace(w.pagesAt(first).keySet()), union(p1.dense().parts()));

        // within the threshold: the cached partitioning, though new keys arrived meanwhile
        Lsn near = first.add(ilc.repartitionThreshold());
        assertEquals(p1, ilc.repartition(near, CFG.compactionTargetSize(), false).block(T));
        // forced, or beyond the threshold: collected again
        Partitioning forced = ilc.repartition(near, CFG.compactionTargetSize(), true).block(T);
        assertEquals(near, forced.lsn());
        assertEquals(Workload.keySpace(w.pagesAt(near).keySet()), union(forced.dense().parts()));
        Lsn far = w.lsn(1000);
        assertTrue(far.value() - near.value() > ilc.repartitionThreshold());
        Partitioning p2 = ilc.repartition(far, CFG.compactionTargetSize(), false).block(T);
        assertEquals(far, p2.lsn());
        assertEquals(Workload.keySpace(w.pagesAt(far).keySet()), union(p2.dense().parts()));
        assertEquals(p2, ilc.partitioning());

        assertThrows(IllegalArgumentException.class,
                () -> ilc.repartition(first, CFG.compactionTargetSize(), true).block(T));
    }

    @Test
    void shardedImagesLeaveOutKeysTheShardMayDisposeOf() {
        Timeline t = tenant().createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 400);
        ShardIdentity shard = ShardIdentity.of(1, 2, 8);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG.withShard(shard));
        Lsn lsn = ilc.partitionLsn();
        Partitioning p = ilc.repartition(lsn, CFG.compactionTargetSize(), false).block(T);
        CreateImageLayersResult r = ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T);

        TreeMap<Key, byte[]> local = new TreeMap<>();
        w.pagesAt(lsn).forEach((k, v) -> {
            if (!shard.isKeyDisposable(k)) {
                local.put(k, v);
            }
        });
        assertTrue(local.size() > 0 && local.size() < 97, "the shard holds some keys: " + local.size());
        assertSamePages(local, imageContents(t, r.created()), "shard-local pages");
        assertEquals(local.size(), r.stats().keys());
        // partitions are sized by the pages this shard stores
        for (KeySpace part : p.dense().parts()) {
            long localKeys = 0;
            for (var range : part.ranges()) {
                for (Key k = range.start(); k.compareTo(range.end()) < 0; k = k.next()) {
                    localKeys += shard.isKeyDisposable(k) ? 0 : 1;
                }
            }
            assertTrue(localKeys > 0 && localKeys <= TARGET_PAGES, localKeys + " local keys in " + part);
        }
    }

    @Test
    void aFailedRunLeavesNoFilesAndTheTimelineUnchanged() throws Exception {
        Timeline t = tenant().createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 600);
        // a main-fork page whose WAL redo fails (a conditional record whose condition does not hold): the last key
        Key broken = Workload.keyOf(200);
        ingestAndFlush(t, unreconstructable(broken, w.lsn(600).add(4)));
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Lsn lsn = ilc.partitionLsn();
        Partitioning p = ilc.repartition(lsn, CFG.compactionTargetSize(), false).block(T);
        assertTrue(p.dense().parts().get(p.dense().parts().size() - 1).contains(broken));
        IndexPart indexBefore = t.indexPart();
        List<PersistentLayerDesc> layersBefore = historic(t);

        for (int attempt = 0; attempt < 2; attempt++) {
            // six images are written before the last partition fails; none of them may stay
            Throwable e = assertThrows(Throwable.class,
                    () -> ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T));
            PageReconstructException pre = assertInstanceOf(PageReconstructException.class, e);
            assertEquals(broken, pre.key());
            assertEquals(indexBefore.layerMetadata(), t.indexPart().layerMetadata());
            assertEquals(layersBefore, historic(t));
            assertOnlyIndexedFiles(t);
            assertEquals(LastImageLayerCreationStatus.INITIAL, ilc.lastImageLayerCreationStatus());
        }
        assertPagesAt(t, w, w.lsn(600));
    }

    @Test
    void fsmAndVmPagesThatCannotBeReconstructedBecomeZeroPages() {
        Timeline t = tenant().createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 300);
        Key fsm = new Key(0, 1663, 5, 16384, Key.FSM_FORKNUM, 3);
        Key vm = new Key(0, 1663, 5, 16384, Key.VISIBILITYMAP_FORKNUM, 0);
        List<IngestRecord> records = new java.util.ArrayList<>(unreconstructable(fsm, w.lsn(300).add(2)));
        records.addAll(unreconstructable(vm, w.lsn(300).add(4)));
        ingestAndFlush(t, records);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Lsn lsn = ilc.partitionLsn();
        Partitioning p = ilc.repartition(lsn, CFG.compactionTargetSize(), false).block(T);
        CreateImageLayersResult r = ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T);

        TreeMap<Key, byte[]> expected = w.pagesAt(lsn);
        expected.put(fsm, new byte[8192]);
        expected.put(vm, new byte[8192]);
        assertSamePages(expected, imageContents(t, r.created()), "images with zeroed FSM and VM pages");
        assertArrayEquals(new byte[8192], t.get(fsm, lsn).block(T));
    }

    @Test
    void legacyGcRemovesTheL0LayersBelowForcedImages() throws Exception {
        Tenant tenant = tenant();
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(t, 1, 300);
        ingestAndFlush(t, 301, 600);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Partitioning p = ilc.repartition(ilc.partitionLsn(), CFG.compactionTargetSize(), false).block(T);
        Lsn imageLsn = p.lsn();
        CreateImageLayersResult r = ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T);
        ingestAndFlush(t, 601, 900);
        List<PersistentLayerDesc> below = historic(t).stream()
                .filter(l -> l.isDelta() && !l.lsnEnd().isAfter(imageLsn)).toList();
        assertTrue(below.size() > 1 && below.stream().allMatch(PersistentLayerDesc::isL0), below.toString());

        long horizon = t.lastRecordLsn().value() - w.lsn(700).value();
        GcResult gc = tenant.gcIteration(Optional.of(TIMELINE), horizon, Duration.ZERO).block(T).get(TIMELINE);
        assertEquals(w.lsn(700), gc.newCutoff());
        assertEquals(Set.copyOf(below), Set.copyOf(gc.removed()), gc.toJson());
        for (PersistentLayerDesc image : r.created()) {
            assertTrue(t.indexPart().layerMetadata().containsKey(image.name()), "image " + image + " kept");
        }
        awaitOnlyIndexedFiles(t); // the removed L0s are deleted in the background
        for (long i : new long[] {700, 750, 900}) {
            assertPagesAt(t, w, w.lsn(i));
        }
    }

    @Test
    void aBranchImagesTheKeysItInheritsAndItsOwn() {
        Tenant tenant = tenant();
        Timeline parent = tenant.createTimeline(TIMELINE, w.start).block(T);
        ingestAndFlush(parent, 1, 400);
        // sparse keys on the parent: a relation size (inherited) and an AUX file (not inherited)
        Key relSize = new Key(Key.RELATION_SIZE_PREFIX, 0, 0, 0, 0, 1);
        Key aux = new Key(Key.AUX_KEY_PREFIX, 0, 0, 0, 0, 1);
        ingestAndFlush(parent, List.of(new IngestRecord(relSize, w.lsn(400).add(1), new Value.Image(new byte[] {7})),
                new IngestRecord(aux, w.lsn(400).add(2), new Value.Image(new byte[] {8}))));
        ingestAndFlush(parent, 401, 500);
        Lsn branchLsn = w.lsn(450);
        TimelineId childId = TimelineId.parse("c0000000000000000000000000000001");
        Timeline child = tenant.branchTimeline(TIMELINE, childId, Optional.of(branchLsn)).block(T);
        // the child's own keys: another relation
        Key own = new Key(0, 1663, 5, 16385, 0, 0);
        Lsn ownLsn = branchLsn.add(1000);
        ingestAndFlush(child, List.of(new IngestRecord(own, ownLsn, new Value.Image(new byte[] {9}))));
        // the parent goes on: none of it may reach the child
        ingestAndFlush(parent, 501, 600);

        ImageLayerCreation ilc = new ImageLayerCreation(child, CFG);
        Lsn lsn = ilc.partitionLsn();
        assertEquals(ownLsn.add(1), lsn);
        CollectedKeySpace keys = ilc.collectKeyspace(lsn).block(T);
        TreeMap<Key, byte[]> expected = w.pagesAt(branchLsn);
        expected.put(own, new byte[] {9});
        assertEquals(Workload.keySpace(expected.keySet()), keys.dense());
        assertEquals(KeySpace.single(io.strata.engine.key.KeyRange.singleton(relSize)), keys.sparse());

        Partitioning p = ilc.repartition(lsn, CFG.compactionTargetSize(), false).block(T);
        CreateImageLayersResult r = ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T);
        expected.put(relSize, new byte[] {7});
        assertSamePages(expected, imageContents(child, r.created()), "the child's images");
        for (PersistentLayerDesc d : r.created()) {
            assertTrue(child.indexPart().layerMetadata().containsKey(d.name()));
            assertTrue(!parent.indexPart().layerMetadata().containsKey(d.name()));
        }
        // the child now reads everything at the LSN from its own images, without its ancestor
        AtomicInteger deltas = new AtomicInteger();
        TreeMap<Key, byte[]> dense = new TreeMap<>(expected);
        dense.remove(relSize);
        assertSamePages(dense, read(child, Workload.keySpace(dense.keySet()), lsn, deltas), "child reads");
        assertEquals(0, deltas.get());
    }
}
