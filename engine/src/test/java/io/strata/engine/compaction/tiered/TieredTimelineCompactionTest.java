package io.strata.engine.compaction.tiered;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertFilesSettle;
import static io.strata.engine.timeline.TimelineTestSupport.assertPagesAt;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionAlgorithm;
import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.failpoint.Failpoints;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.LayerMapChecks;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Tiered compaction on real timelines (Neon's {@code compact_tiered} through its {@code TimelineAdaptor}): L0 layers
 * are compacted into a higher level, reads at every LSN are the same before and after (and after a restart), a
 * failure leaves the timeline as it was, and a tenant's choice of algorithm is durable and drives the scheduler.
 */
class TieredTimelineCompactionTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);
    private final AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 64, 4096);

    /** Fanout 4 and a 256 KiB target: a few thousand records make a dozen L0 layers and more than one level. */
    private static EngineConfig tieredConfig() {
        EngineConfig c = config(256 * 1024);
        return c.withTimeline(c.timeline().withCompactionThreshold(4));
    }

    private void ingest(Timeline t, long from, long to, long chunk) {
        for (long i = from; i <= to; i += chunk) {
            t.ingest(Flux.fromIterable(w.batches(i, Math.min(to, i + chunk - 1), 16))).block(T);
            t.freezeAndFlush().block(T);
        }
    }

    private void assertSamplesOfEveryLsn(Timeline t, long to) {
        for (long i = 1; i <= to; i += 97) {
            assertPagesAt(t, w, w.lsn(i));
        }
        assertPagesAt(t, w, w.lsn(to));
    }

    private static List<PersistentLayerDesc> l0(Timeline t) {
        return t.layers().map().level0Deltas();
    }

    private static List<String> names(java.util.Collection<PersistentLayerDesc> layers) {
        return layers.stream().map(l -> l.name().toString()).sorted().toList();
    }

    private static void assertValidLayerMap(Timeline t) {
        assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(t.layers().map().historicLayers().stream()
                .map(PersistentLayerDesc::name).toList()));
    }

    @Test
    void l0LayersAreCompactedAndReadTheSameBeforeAndAfterARestart() throws Exception {
        StrataEngine engine = open(dir, tieredConfig());
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        ingest(t, 1, 1600, 100);
        int before = l0(t).size();
        assertTrue(before >= 16, "L0 layers: " + before);
        ImageLayerCreation images = new ImageLayerCreation(t, ImageLayerCreationConfig.defaults());
        Lsn newestL0End = l0(t).stream().map(PersistentLayerDesc::lsnEnd).max(Lsn::compareTo).orElseThrow();

        TieredCompaction.Result r = TieredCompaction.compactTiered(t, images, pool).block(T);
        assertEquals(CompactionOutcome.DONE, r.outcome());
        assertEquals(newestL0End, r.endLsn());
        assertTrue(r.deltasCreated() > 0, r.toString());
        assertTrue(r.layersDeleted() >= before, "every L0 was replaced: " + r);
        assertTrue(l0(t).size() < 4, "L0 layers left: " + l0(t));
        assertValidLayerMap(t);
        assertFilesSettle(t);
        assertSamplesOfEveryLsn(t, 1600);

        // below the fanout nothing happens
        TieredCompaction.Result again = TieredCompaction.compactTiered(t, images, pool).block(T);
        assertEquals(CompactionOutcome.SKIPPED, again.outcome());

        // more data, a second run, then a restart
        ingest(t, 1601, 2400, 100);
        assertEquals(CompactionOutcome.DONE, TieredCompaction.compactTiered(t, images, pool).block(T).outcome());
        assertValidLayerMap(t);
        assertSamplesOfEveryLsn(t, 2400);
        engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);

        StrataEngine reopened = open(dir, tieredConfig());
        try {
            Timeline back = reopened.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
            assertValidLayerMap(back);
            assertSamplesOfEveryLsn(back, 2400);
            assertFilesSettle(back);
        } finally {
            reopened.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        }
    }

    @Test
    void aFailedRunLeavesTheTimelineAsItWas() throws Exception {
        StrataEngine engine = open(dir, tieredConfig());
        try {
            Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
            ingest(t, 1, 1200, 100);
            List<PersistentLayerDesc> layers = List.copyOf(t.layers().map().historicLayers());
            ImageLayerCreation images = new ImageLayerCreation(t, ImageLayerCreationConfig.defaults());
            try (Failpoints.Armed ignored = Failpoints.arm(io.strata.engine.layer.delta.DeltaLayerWriter.FAILPOINT_BEFORE_FINISH)) {
                Throwable e = assertThrows(RuntimeException.class,
                        () -> TieredCompaction.compactTiered(t, images, pool).block(T));
                assertTrue(e.getMessage().contains(io.strata.engine.layer.delta.DeltaLayerWriter.FAILPOINT_BEFORE_FINISH), e.toString());
            }
            assertEquals(names(layers), names(t.layers().map().historicLayers()), "nothing swapped in or out");
            assertFilesSettle(t); // no layer file of the failed run is left
            assertSamplesOfEveryLsn(t, 1200);
            assertEquals(CompactionOutcome.DONE, TieredCompaction.compactTiered(t, images, pool).block(T).outcome());
            assertSamplesOfEveryLsn(t, 1200);
        } finally {
            engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        }
    }

    @Test
    void theTenantsAlgorithmIsDurable() throws Exception {
        StrataEngine engine = open(dir, tieredConfig());
        Tenant tenant = engine.createTenant(TENANT).block(T);
        assertEquals(CompactionAlgorithm.LEGACY, tenant.compactionAlgorithm());
        tenant.setCompactionAlgorithm(CompactionAlgorithm.TIERED).block(T);
        assertEquals(CompactionAlgorithm.TIERED, tenant.compactionAlgorithm());
        Path file = tenant.directory().resolve("tenant.json");
        engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        assertTrue(Files.readString(file).contains("\"compaction_algorithm\":{\"kind\":\"tiered\"}"),
                Files.readString(file));

        StrataEngine reopened = open(dir, tieredConfig());
        assertEquals(CompactionAlgorithm.TIERED, reopened.tenant(TENANT).orElseThrow().compactionAlgorithm());
        reopened.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);

        // a file from before the setting means legacy; a bad kind is refused with the file named
        Files.writeString(file, "{\"generation\":7}");
        StrataEngine old = open(dir, tieredConfig());
        assertEquals(CompactionAlgorithm.LEGACY, old.tenant(TENANT).orElseThrow().compactionAlgorithm());
        old.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        Files.write(file, "{\"generation\":9,\"compaction_algorithm\":{\"kind\":\"leveled\"}}"
                .getBytes(StandardCharsets.UTF_8));
        Throwable e = assertThrows(RuntimeException.class, () -> StrataEngine.open(dir, tieredConfig()).block(T));
        assertTrue(e.getMessage().contains("tenant.json") && e.getMessage().contains("leveled"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CompactionAlgorithm.parse("leveled"));
    }

    /** The background scheduler compacts a tiered tenant's timeline with tiered compaction, reads staying exact. */
    @Test
    void theSchedulerRunsTieredCompactionForATieredTenant() throws Exception {
        EngineConfig c = tieredConfig().withCompaction(CompactionConfig.defaults());
        StrataEngine engine = open(dir, c);
        try {
            Tenant tenant = engine.createTenant(TENANT).block(T);
            tenant.setCompactionAlgorithm(CompactionAlgorithm.TIERED).block(T);
            Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
            assertEquals(CompactionAlgorithm.TIERED, engine.compactionAlgorithmOf(t));
            ingest(t, 1, 1600, 100);
            long deadline = System.nanoTime() + T.toNanos();
            while (l0(t).size() >= 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(l0(t).size() < 4, "the scheduler compacted the L0 layers: " + l0(t));
            assertValidLayerMap(t);
            assertSamplesOfEveryLsn(t, 1600);
        } finally {
            engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        }
    }
}
