package io.strata.engine.compaction.legacy;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.assertFilesSettle;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.expectedFiles;
import static io.strata.engine.timeline.TimelineTestSupport.files;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.failpoint.Failpoints;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.key.ShardIndex;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.read.Page;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.GcConfig;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.LsnLease;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ShardAncestorCompaction} on engine timelines: layers are written by an unsharded tenant (the ancestor), GC
 * moves the cutoff above them, the engine restarts (a new generation, as a child shard attaching after a split),
 * then the pass runs as shard k of N. Includes Neon's {@code image_layer_rewrite} cases.
 */
class ShardAncestorCompactionTest {
    private static final AlignedBufferPool POOL = new AlignedBufferPool(256 * 1024, 4, 4096);
    private static final byte[] FOO = {1, 2, 3, 4};

    @TempDir
    Path dir;

    private StrataEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close().block(T);
        }
    }

    /** A block of relation {@code ...ae} (Neon's test relation). */
    private static Key key(int blk) {
        return Key.fromHex(String.format("000000067f00000001000000ae00%08x", blk));
    }

    private static KeyRange blocks(int from, int to) {
        return new KeyRange(key(from), key(to));
    }

    /** GC by the horizon alone, no lease grace after a load; compaction threshold as given. */
    private static EngineConfig engineConfig(int compactionThreshold) {
        EngineConfig c = config(32 * 1024);
        return c.withTimeline(c.timeline().withGc(new GcConfig(0, Duration.ZERO, Duration.ZERO))
                .withCompactionThreshold(compactionThreshold));
    }

    private Timeline reopen(Path where, EngineConfig cfg) {
        if (engine != null) {
            engine.close().block(T);
        }
        engine = open(where, cfg);
        return engine.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
    }

    private static CompactionOutcome compact(Timeline t, ShardAncestorCompaction.Options o) {
        return ShardAncestorCompaction.compactShardAncestors(t, o, POOL).block(T);
    }

    // ------------------------------------------------------------------------------------------ image_layer_rewrite

    /**
     * Neon's {@code image_layer_rewrite}: an image of 0x2000 pages spanning four 0x800-page stripes, rewritten as
     * each shard of 4: shard 0 and 2 keep one stripe (49152 bytes), shard 3 two (73728), shard 1 none, so its layer
     * is dropped. A delta above it (the GC window) stays. Local pages are exact above the cutoff, also after a
     * restart; the second pass changes nothing.
     */
    @Test
    void imageLayerRewrite() throws Exception {
        Lsn lsn = Lsn.of(0x20);
        KeyRange range = blocks(0, 0x2000);
        ImageLayerName imageName = new ImageLayerName(range, lsn);
        for (int shardNumber = 0; shardNumber < 4; shardNumber++) {
            Path where = dir.resolve("child" + shardNumber);
            engine = open(where, engineConfig(10));
            Tenant tenant = engine.createTenant(TENANT).block(T);
            TreeMap<Key, byte[]> pages = new TreeMap<>();
            for (int b = 0; b < 0x2000; b++) {
                pages.put(key(b), FOO);
            }
            List<LayerEntry> appends = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                appends.add(new LayerEntry(key(s * 0x800 + 1), Lsn.of(0x30), append("@30")));
            }
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .image(range, lsn, pages)
                    .delta(range, Lsn.of(0x21), Lsn.of(0x40), appends)
                    .endLsn(Lsn.of(0x40))
                    .build().block(T);
            tenant.gcIteration(Optional.of(TIMELINE), 0x10, Duration.ZERO).block(T);
            assertEquals(Lsn.of(0x30), t.appliedGcCutoffLsn());
            long originalSize = t.indexPart().layerMetadata().get(imageName).fileSize();
            assertEquals(122880, originalSize, "Neon's size of the input layer");

            t = reopen(where, engineConfig(10));
            ShardIdentity shard = ShardIdentity.of(shardNumber, 4, 0x800);
            IndexPart before = t.indexPart();
            assertEquals(CompactionOutcome.DONE, compact(t, ShardAncestorCompaction.Options.of(shard, 10)));
            IndexPart after = t.indexPart();
            IndexPart.LayerFileMetadata image = after.layerMetadata().get(imageName);
            DeltaLayerName deltaName = new DeltaLayerName(range, Lsn.of(0x21), Lsn.of(0x40));
            switch (shardNumber) {
                case 1 -> {
                    // no stripe of shard 1 in the range: both layers go (the delta too: it holds no local page)
                    assertNull(image);
                    assertTrue(after.layerMetadata().isEmpty(), after.layerMetadata().toString());
                }
                case 0, 2, 3 -> {
                    long expectedKeys = shardNumber == 3 ? 0x1000 : 0x800;
                    long expectedSize = shardNumber == 3 ? 73728 : 49152;
                    assertEquals(expectedSize, image.fileSize());
                    assertEquals(t.writeContext().generation(), image.generation(), "rewritten by this generation");
                    assertNotEquals(before.layerMetadata().get(imageName).generation(), image.generation());
                    assertEquals(new ShardIndex(shardNumber, 4), image.shard());
                    List<Key> keys = imageKeys(t, imageName);
                    assertEquals(expectedKeys, keys.size());
                    assertTrue(keys.stream().noneMatch(shard::isKeyDisposable), "only local keys");
                    assertEquals(before.layerMetadata().get(deltaName), after.layerMetadata().get(deltaName),
                            "the delta layer is not rewritten");
                    assertLocalPages(t, shard, pages, appends);
                }
                default -> throw new AssertionError();
            }
            awaitOnlyIndexedFiles(t);
            assertEquals(CompactionOutcome.DONE, compact(t, ShardAncestorCompaction.Options.of(shard, 10)));
            assertEquals(after, t.indexPart(), "nothing left to do");

            t = reopen(where, engineConfig(10));
            assertEquals(after, t.indexPart());
            if (shardNumber != 1) {
                assertLocalPages(t, shard, pages, appends);
            }
            engine.close().block(T);
            engine = null;
        }
    }

    private static Value append(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walAppend(s));
    }

    /** Local pages at the cutoff and at the end: FOO, plus the delta's append on the keys it touched. */
    private static void assertLocalPages(Timeline t, ShardIdentity shard, Map<Key, byte[]> images,
                                         List<LayerEntry> appends) {
        TreeMap<Key, byte[]> expected = new TreeMap<>();
        images.forEach((k, v) -> {
            if (!shard.isKeyDisposable(k)) {
                expected.put(k, v);
            }
        });
        for (LayerEntry e : appends) {
            if (expected.containsKey(e.key())) {
                expected.put(e.key(), concat(expected.get(e.key()), "@30"));
            }
        }
        assertPages(t, expected, Lsn.of(0x30));
        assertPages(t, expected, Lsn.of(0x40));
    }

    private static byte[] concat(byte[] a, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertPages(Timeline t, TreeMap<Key, byte[]> expected, Lsn lsn) {
        List<Page> pages = t.getVectored(Workload.keySpace(expected.keySet()), lsn).collectList().block(T);
        assertEquals(expected.size(), pages.size(), "pages at " + lsn);
        for (Page p : pages) {
            assertArrayEquals(expected.get(p.key()), p.bytes(), "page " + p.key() + " at " + lsn);
        }
    }

    private static List<Key> imageKeys(Timeline t, LayerName name) {
        PersistentLayer l = (PersistentLayer) t.layers().persistent().get(name);
        return l.reader().flatMapMany(r -> ((ImageLayerReader) r).loadKeys()).collectList().block(T);
    }

    private static void awaitOnlyIndexedFiles(Timeline t) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (!expectedFiles(t.indexPart()).equals(files(t.directory())) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFilesSettle(t);
    }

    // ------------------------------------------------------------------------------------------ the selection rules

    /** Stripes of 8 pages, 2 shards: the layers of {@link #build} by the stripes they cover. */
    private static final int STRIPE = 8;

    /** Which layer plays which part, chosen by stripe ownership. */
    private record Layout(ShardIdentity shard, ImageLayerName dropImage, DeltaLayerName dropDelta,
                          ImageLayerName localImage, ImageLayerName rewrite, ImageLayerName covered,
                          ImageLayerName covering, ImageLayerName underDelta, DeltaLayerName delta,
                          ImageLayerName gcWindow, TreeMap<Key, byte[]> local60, TreeMap<Key, byte[]> local50) {
        List<ImageLayerName> rewritable() {
            return List.of(rewrite, covering, underDelta);
        }
    }

    private static byte[] page(int blk, Lsn lsn) {
        return ("b" + blk + "@" + lsn).getBytes(StandardCharsets.UTF_8);
    }

    private static TreeMap<Key, byte[]> images(int from, int to, Lsn lsn) {
        TreeMap<Key, byte[]> m = new TreeMap<>();
        for (int b = from; b < to; b++) {
            m.put(key(b), page(b, lsn));
        }
        return m;
    }

    /**
     * Builds, as an unsharded tenant: an image with no page of the shard, a delta with none, an image entirely the
     * shard's, mixed images at 0x20 (one with a delta above it), a mixed image at 0x20 covered by one at 0x40 (a lease
     * at 0x30 keeps GC from removing it), a mixed image at 0x60 above the GC cutoff 0x50, and the optional L0.
     */
    private Layout build(Tenant tenant, boolean withL0) {
        ShardIdentity probe = ShardIdentity.of(0, 2, STRIPE);
        int first = probe.getShardNumber(key(0));
        ShardIdentity shard = ShardIdentity.of(first, 2, STRIPE);
        List<Integer> mine = new ArrayList<>();
        List<Integer> others = new ArrayList<>();
        List<Integer> mixed = new ArrayList<>(); // s where stripes s and s+1 have different owners
        for (int s = 0; s < 64; s++) {
            (probe.getShardNumber(key(s * STRIPE)) == first ? mine : others).add(s);
        }
        for (int s = 0; s < 63; s += 2) {
            if (probe.getShardNumber(key(s * STRIPE)) != probe.getShardNumber(key((s + 1) * STRIPE))) {
                mixed.add(s);
            }
        }
        assertTrue(mixed.size() >= 4, "enough mixed stripe pairs: " + mixed);
        int d = mixed.get(0) * STRIPE;
        int e = mixed.get(1) * STRIPE;
        int f = mixed.get(2) * STRIPE;
        int g = mixed.get(3) * STRIPE;
        List<Integer> used = List.of(d, e, f, g);
        int a = others.stream().map(s -> s * STRIPE).filter(b -> used.stream().noneMatch(u -> b >= u && b < u + 16))
                .findFirst().orElseThrow();
        int bDelta = others.stream().map(s -> s * STRIPE).filter(b -> b != a)
                .filter(b -> used.stream().noneMatch(u -> b >= u && b < u + 16)).findFirst().orElseThrow();
        int c = mine.stream().map(s -> s * STRIPE).filter(b -> used.stream().noneMatch(u -> b >= u && b < u + 16))
                .findFirst().orElseThrow();

        Lsn l20 = Lsn.of(0x20);
        Lsn l40 = Lsn.of(0x40);
        Lsn l60 = Lsn.of(0x60);
        List<LayerEntry> deltaEntries = new ArrayList<>();
        for (int b = f; b < f + 16; b++) {
            deltaEntries.add(new LayerEntry(key(b), Lsn.of(0x30), append("+30")));
        }
        TestTimelineBuilder builder = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                .image(blocks(a, a + STRIPE), l20, images(a, a + STRIPE, l20))
                .delta(blocks(bDelta, bDelta + STRIPE), Lsn.of(0x21), l40,
                        List.of(new LayerEntry(key(bDelta), Lsn.of(0x30),
                                new Value.WalRecord(NeonWalRecord.Test.walInit("x")))))
                .image(blocks(c, c + STRIPE), l20, images(c, c + STRIPE, l20))
                .image(blocks(d, d + 16), l20, images(d, d + 16, l20))
                .image(blocks(e, e + 16), l20, images(e, e + 16, l20))
                .image(blocks(e, e + 16), l40, images(e, e + 16, l40))
                .image(blocks(f, f + 16), l20, images(f, f + 16, l20))
                .delta(blocks(f, f + 16), Lsn.of(0x21), l40, deltaEntries)
                .image(blocks(g, g + 16), l60, images(g, g + 16, l60));
        if (withL0) {
            builder.delta(KeyRange.FULL, Lsn.of(0x61), Lsn.of(0x70), List.of(new LayerEntry(key(a), Lsn.of(0x68),
                    new Value.WalRecord(NeonWalRecord.Test.walInit("l0")))));
        }
        Timeline t = builder.endLsn(Lsn.of(0x80)).build().block(T);
        t.updateGcInfo(i -> i.withLease(new LsnLease(Lsn.of(0x30), Instant.now().plusSeconds(3600))));
        int layers = t.indexPart().layerMetadata().size();
        tenant.gcIteration(Optional.of(TIMELINE), 0x30, Duration.ZERO).block(T);
        assertEquals(Lsn.of(0x50), t.appliedGcCutoffLsn());
        assertEquals(layers, t.indexPart().layerMetadata().size(), "GC removed nothing");

        TreeMap<Key, byte[]> local50 = new TreeMap<>();
        TreeMap<Key, byte[]> local60 = new TreeMap<>();
        for (int[] r : new int[][] {{c, c + STRIPE}, {d, d + 16}, {e, e + 16}, {f, f + 16}, {g, g + 16}}) {
            for (int b = r[0]; b < r[1]; b++) {
                Key k = key(b);
                if (shard.isKeyDisposable(k)) {
                    continue;
                }
                byte[] v = b >= e && b < e + 16 ? page(b, l40)
                        : b >= f && b < f + 16 ? concat(page(b, l20), "+30")
                        : b >= g && b < g + 16 ? page(b, l60) : page(b, l20);
                local60.put(k, v);
                if (b < g || b >= g + 16) {
                    local50.put(k, v);
                }
            }
        }
        return new Layout(shard, new ImageLayerName(blocks(a, a + STRIPE), l20),
                new DeltaLayerName(blocks(bDelta, bDelta + STRIPE), Lsn.of(0x21), l40),
                new ImageLayerName(blocks(c, c + STRIPE), l20), new ImageLayerName(blocks(d, d + 16), l20),
                new ImageLayerName(blocks(e, e + 16), l20), new ImageLayerName(blocks(e, e + 16), l40),
                new ImageLayerName(blocks(f, f + 16), l20),
                new DeltaLayerName(blocks(f, f + 16), Lsn.of(0x21), l40),
                new ImageLayerName(blocks(g, g + 16), l60), local60, local50);
    }

    private Layout buildAndRestart(boolean withL0, int compactionThreshold) {
        Path where = dir.resolve("tl");
        engine = open(where, engineConfig(compactionThreshold));
        Layout l = build(engine.createTenant(TENANT).block(T), withL0);
        reopen(where, engineConfig(compactionThreshold));
        return l;
    }

    private Timeline timeline() {
        return engine.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
    }

    private static void assertPagesOfLayout(Timeline t, Layout l) {
        assertPages(t, l.local50(), Lsn.of(0x50));
        assertPages(t, l.local60(), Lsn.of(0x60));
        assertPages(t, l.local60(), Lsn.of(0x80));
    }

    private static void assertRewritten(Timeline t, Layout l, ImageLayerName name) {
        IndexPart.LayerFileMetadata m = t.indexPart().layerMetadata().get(name);
        assertEquals(t.writeContext().generation(), m.generation(), name + " rewritten");
        assertEquals(l.shard().shardIndex(), m.shard());
        List<Key> keys = imageKeys(t, name);
        assertFalse(keys.isEmpty());
        assertTrue(keys.stream().noneMatch(l.shard()::isKeyDisposable), "only local keys in " + name);
        assertEquals(8, keys.size(), "one of the two stripes of " + name);
    }

    @Test
    void dropsRewritesAndKeepsByNeonsRules() throws Exception {
        Layout l = buildAndRestart(false, 10);
        Timeline t = timeline();
        IndexPart before = t.indexPart();
        assertPagesOfLayout(t, l);

        assertEquals(CompactionOutcome.DONE, compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10)));
        IndexPart after = t.indexPart();
        Map<LayerName, IndexPart.LayerFileMetadata> m = after.layerMetadata();
        assertFalse(m.containsKey(l.dropImage()), "image without local pages dropped");
        assertFalse(m.containsKey(l.dropDelta()), "delta without local pages dropped");
        for (LayerName untouched : List.of(l.localImage(), l.covered(), l.delta(), l.gcWindow())) {
            assertEquals(before.layerMetadata().get(untouched), m.get(untouched), untouched + " untouched");
        }
        for (ImageLayerName r : l.rewritable()) {
            assertRewritten(t, l, r);
        }
        assertEquals(before.layerMetadata().size() - 2, m.size());
        assertPagesOfLayout(t, l);
        awaitOnlyIndexedFiles(t);

        assertEquals(CompactionOutcome.DONE, compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10)));
        assertEquals(after, t.indexPart(), "a second pass changes nothing");

        Timeline reopened = reopen(dir.resolve("tl"), engineConfig(10));
        assertEquals(after, reopened.indexPart());
        assertPagesOfLayout(reopened, l);
        awaitOnlyIndexedFiles(reopened);
    }

    @Test
    void unshardedOrOneShardIsSkipped() {
        Layout l = buildAndRestart(false, 10);
        Timeline t = timeline();
        IndexPart before = t.indexPart();
        assertEquals(CompactionOutcome.SKIPPED,
                compact(t, ShardAncestorCompaction.Options.of(ShardIdentity.unsharded(), 10)));
        assertEquals(CompactionOutcome.SKIPPED,
                compact(t, ShardAncestorCompaction.Options.of(ShardIdentity.of(0, 1, STRIPE), 10)));
        assertEquals(before, t.indexPart());
        assertPagesOfLayout(t, l);
    }

    @Test
    void rewriteMaxLeavesTheRestPending() throws Exception {
        Layout l = buildAndRestart(false, 10);
        Timeline t = timeline();
        Generation old = t.indexPart().layerMetadata().get(l.rewrite()).generation();
        ShardAncestorCompaction.Options one = ShardAncestorCompaction.Options.of(l.shard(), 1);
        int[] rewrittenAfter = new int[3];
        CompactionOutcome[] outcomes = new CompactionOutcome[3];
        for (int pass = 0; pass < 3; pass++) {
            outcomes[pass] = compact(t, one);
            IndexPart now = t.indexPart();
            rewrittenAfter[pass] = (int) l.rewritable().stream()
                    .filter(n -> !now.layerMetadata().get(n).generation().equals(old)).count();
            assertPagesOfLayout(t, l);
        }
        // as in Neon, the selection stops at the first layer over the bound: later drops wait for a later pass
        assertFalse(t.indexPart().layerMetadata().containsKey(l.dropImage()));
        assertFalse(t.indexPart().layerMetadata().containsKey(l.dropDelta()));
        assertEquals(List.of(CompactionOutcome.PENDING, CompactionOutcome.PENDING, CompactionOutcome.DONE),
                List.of(outcomes));
        assertArrayEquals(new int[] {1, 2, 3}, rewrittenAfter);
        for (ImageLayerName r : l.rewritable()) {
            assertRewritten(t, l, r);
        }
        awaitOnlyIndexedFiles(t);
    }

    @Test
    void layersOfThisGenerationAreNotRewritten() throws Exception {
        engine = open(dir.resolve("tl"), engineConfig(10));
        Layout l = build(engine.createTenant(TENANT).block(T), false);
        Timeline t = timeline();
        IndexPart before = t.indexPart();
        assertEquals(CompactionOutcome.DONE, compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10)));
        Map<LayerName, IndexPart.LayerFileMetadata> m = t.indexPart().layerMetadata();
        for (ImageLayerName r : l.rewritable()) {
            assertEquals(before.layerMetadata().get(r), m.get(r), r + " is of this generation: kept as is");
        }
        assertFalse(m.containsKey(l.dropImage()), "dropping needs no rewrite: it happens in any generation");
        assertFalse(m.containsKey(l.dropDelta()));
        assertPagesOfLayout(t, l);
        awaitOnlyIndexedFiles(t);
    }

    @Test
    void yieldsForL0AfterARewrite() throws Exception {
        Layout l = buildAndRestart(true, 1);
        Timeline t = timeline();
        Generation old = t.indexPart().layerMetadata().get(l.rewrite()).generation();
        assertEquals(CompactionOutcome.YIELD_FOR_L0,
                compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10).withYieldForL0(true)));
        IndexPart now = t.indexPart();
        assertEquals(1, l.rewritable().stream()
                .filter(n -> !now.layerMetadata().get(n).generation().equals(old)).count(), "kept the work done");
        assertFalse(now.layerMetadata().containsKey(l.dropImage()));
        assertPagesOfLayout(t, l);
        // without yielding the rest is done
        assertEquals(CompactionOutcome.DONE, compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10)));
        for (ImageLayerName r : l.rewritable()) {
            assertRewritten(t, l, r);
        }
        awaitOnlyIndexedFiles(t);
    }

    @Test
    void failpointBeforeTheSwapChangesNothing() throws Exception {
        Layout l = buildAndRestart(false, 10);
        Timeline t = timeline();
        IndexPart before = t.indexPart();
        List<String> filesBefore = files(t.directory());
        try (Failpoints.Armed ignored = Failpoints.arm(ShardAncestorCompaction.FAILPOINT_LOCAL_ONLY)) {
            Throwable e = assertThrows(Throwable.class,
                    () -> compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10)));
            assertInstanceOf(Failpoints.FailpointException.class, e);
        }
        assertEquals(before, t.indexPart(), "the index is unchanged");
        assertEquals(filesBefore, files(t.directory()), "no rewritten file left behind");
        assertPagesOfLayout(t, l);
        // the lock was released: a pass without the failpoint does the work
        assertEquals(CompactionOutcome.DONE, compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10)));
        assertFalse(t.indexPart().layerMetadata().containsKey(l.dropImage()));
        awaitOnlyIndexedFiles(t);
    }

    @Test
    void failpointsAfterTheSwapLeaveItDurable() throws Exception {
        for (String fp : List.of(ShardAncestorCompaction.FAILPOINT_ENQUEUED,
                ShardAncestorCompaction.FAILPOINT_PERSISTENT)) {
            Path where = dir.resolve(fp);
            engine = open(where, engineConfig(10));
            Layout l = build(engine.createTenant(TENANT).block(T), false);
            Timeline t = reopen(where, engineConfig(10));
            try (Failpoints.Armed ignored = Failpoints.arm(fp)) {
                Throwable e = assertThrows(Throwable.class,
                        () -> compact(t, ShardAncestorCompaction.Options.of(l.shard(), 10)));
                assertInstanceOf(Failpoints.FailpointException.class, e, fp);
            }
            for (ImageLayerName r : l.rewritable()) {
                assertRewritten(t, l, r);
            }
            assertFalse(t.indexPart().layerMetadata().containsKey(l.dropImage()), fp);
            assertPagesOfLayout(t, l);
            awaitOnlyIndexedFiles(t);
            IndexPart after = t.indexPart();
            Timeline reopened = reopen(where, engineConfig(10));
            assertEquals(after, reopened.indexPart(), fp + ": the change is durable");
            assertPagesOfLayout(reopened, l);
            engine.close().block(T);
            engine = null;
        }
    }

    @Test
    void indexRecordsTheShardInNeonsForm() {
        IndexPart.LayerFileMetadata m = new IndexPart.LayerFileMetadata(10, Generation.of(3),
                new ShardIndex(2, 4));
        IndexPart p = IndexPart.empty(IndexPart.TimelineMetadata.initial(Lsn.of(0x10)))
                .withLayers(Map.of(new ImageLayerName(blocks(0, 8), Lsn.of(0x20)), m), List.of());
        String json = new String(p.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"file_size\":10,\"generation\":3,\"shard\":\"0204\""), json);
        assertEquals(p, IndexPart.fromJson(p.toJson(), "test"));
        String unsharded = new String(IndexPart.empty(IndexPart.TimelineMetadata.initial(Lsn.of(0x10)))
                .withLayers(Map.of(new ImageLayerName(blocks(0, 8), Lsn.of(0x20)),
                        new IndexPart.LayerFileMetadata(10, Generation.of(3))), List.of())
                .toJson(), StandardCharsets.UTF_8);
        assertFalse(unsharded.contains("shard"), unsharded);
    }
}
