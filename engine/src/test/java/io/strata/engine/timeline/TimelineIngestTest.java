package io.strata.engine.timeline;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
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

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Ingest, flush, read and restart round trips against the workload's oracle. */
class TimelineIngestTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);

    @Test
    void ingestReadFlushRestartContinue() throws Exception {
        StrataEngine engine = open(dir, config(32 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        assertEquals(Generation.of(1), tenant.generation());
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        assertEquals(w.start, t.lastRecordLsn());
        assertEquals(w.start, t.diskConsistentLsn());

        long n = 2000;
        t.ingest(Flux.fromIterable(w.batches(1, n, 16))).block(T);
        assertEquals(w.lsn(n), t.lastRecordLsn());
        TimelineStats.Snapshot st = t.stats();
        assertTrue(st.freezes() > 3, "a small checkpoint distance makes several in-memory layers: " + st);
        assertEquals(n, st.records());
        // durable up to the end of the last flushed layer: below the last record (the open layer is in memory)
        assertTrue(t.diskConsistentLsn().isAfter(w.start) && t.diskConsistentLsn().isBefore(w.lsn(n)),
                t.diskConsistentLsn().toString());
        for (long i : new long[] {w.keys, 500, 1234, n - 1, n}) {
            assertPagesAt(t, w, w.lsn(i));
        }
        assertPagesAt(t, w, w.lsn(777).add(3)); // between records

        assertEquals(w.lsn(n), t.freezeAndFlush().block(T));
        assertEquals(w.lsn(n), t.diskConsistentLsn());
        IndexPart index = t.indexPart();
        assertEquals(w.lsn(n), index.diskConsistentLsn());
        assertEquals(w.lsn(n), index.metadata().diskConsistentLsn());
        assertEquals(t.layers().map().historicLayerCount(), index.layerMetadata().size());
        assertEquals(t.stats().freezes(), index.layerMetadata().size(), "one L0 layer per frozen layer");
        assertTrue(index.layerMetadata().values().stream().allMatch(m -> m.generation().equals(Generation.of(1))));
        assertTrue(t.layers().inMemory().isEmpty());
        assertEquals(expectedFiles(index), files(t.directory()), "only the index and its layers");
        engine.shutdown(ShutdownMode.HARD).block(T);

        // restart: everything readable at once, the generation moved on, ingest resumes above the durable LSN
        StrataEngine again = open(dir, config(32 * 1024));
        Tenant tenant2 = again.tenant(TENANT).orElseThrow();
        assertEquals(Generation.of(2), tenant2.generation());
        Timeline t2 = tenant2.timeline(TIMELINE).orElseThrow();
        assertEquals(w.lsn(n), t2.diskConsistentLsn());
        assertEquals(w.lsn(n), t2.lastRecordLsn());
        for (long i : new long[] {w.keys, 1000, n}) {
            assertPagesAt(t2, w, w.lsn(i));
        }
        t2.ingest(Flux.fromIterable(w.batches(n + 1, n + 600, 10))).block(T);
        assertPagesAt(t2, w, w.lsn(n + 600));
        assertPagesAt(t2, w, w.lsn(n + 1));
        t2.freezeAndFlush().block(T);
        assertTrue(t2.indexPart().layerMetadata().values().stream()
                .anyMatch(m -> m.generation().equals(Generation.of(2))), "new layers carry generation 2");
        again.close().block(T);

        StrataEngine third = open(dir, config(32 * 1024));
        Timeline t3 = third.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        assertEquals(Generation.of(3), third.tenant(TENANT).orElseThrow().generation());
        assertEquals(w.lsn(n + 600), t3.diskConsistentLsn());
        assertPagesAt(t3, w, w.lsn(n + 600));
        assertPagesAt(t3, w, w.lsn(n / 2));
        third.close().block(T);
    }

    @Test
    void lsnOrderIsEnforcedWithBothLsnsNamedAndNothingWritten() {
        StrataEngine engine = open(dir, config(1 << 20));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        t.ingest(Flux.fromIterable(w.batches(1, 100, 10))).block(T);

        // a batch starting at the last record LSN
        Throwable e = assertThrows(RuntimeException.class,
                () -> t.ingest(Flux.just(List.of(w.record(100)))).block(T));
        IngestOrderException order = assertInstanceOf(IngestOrderException.class, e);
        assertEquals(w.lsn(100), order.lsn());
        assertEquals(w.lsn(100), order.bound());
        assertTrue(e.getMessage().contains(w.lsn(100).toString()) && e.getMessage().contains("last record LSN"),
                e.getMessage());

        // decreasing within a batch: refused whole
        e = assertThrows(RuntimeException.class,
                () -> t.ingest(Flux.just(List.of(w.record(102), w.record(101)))).block(T));
        assertInstanceOf(IngestOrderException.class, e);
        assertTrue(e.getMessage().contains(w.lsn(101).toString()) && e.getMessage().contains(w.lsn(102).toString()),
                e.getMessage());
        assertEquals(w.lsn(100), t.lastRecordLsn(), "nothing of the refused batches was written");

        // the invalid LSN and a batch below the start
        assertThrows(IngestOrderException.class, () -> t.ingest(Flux.just(List.of(
                new IngestRecord(w.key(1), Lsn.INVALID, w.value(1))))).block(T));

        // the timeline goes on
        t.ingest(Flux.fromIterable(w.batches(101, 200, 7))).block(T);
        assertPagesAt(t, w, w.lsn(200));
        engine.close().block(T);
    }

    @Test
    void waitForLsnCompletesWhenIngestReachesIt() {
        StrataEngine engine = open(dir, config(1 << 20));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        Mono<Void> waiting = t.waitForLsn(w.lsn(50)).cache();
        waiting.subscribe();
        t.ingest(Flux.fromIterable(w.batches(1, 40, 10))).block(T);
        assertFalse(isDone(waiting));
        t.ingest(Flux.fromIterable(w.batches(41, 60, 10))).block(T);
        waiting.block(T);
        t.waitForLsn(w.lsn(3)).block(T); // already reached: at once
        Mono<Void> durable = t.waitForDiskConsistentLsn(w.lsn(60)).cache();
        durable.subscribe();
        t.freezeAndFlush().block(T);
        durable.block(T);
        engine.shutdown(ShutdownMode.HARD).block(T);
        // waits end with an error at shutdown
        assertThrows(IllegalStateException.class, () -> t.waitForLsn(w.lsn(1000)).block(T));
    }

    private static boolean isDone(Mono<Void> m) {
        try {
            m.block(java.time.Duration.ofMillis(50));
            return true;
        } catch (IllegalStateException timeout) {
            return false;
        }
    }

    @Test
    void hardShutdownDropsWhatIsNotDurableAndRestartCleansUp() throws Exception {
        StrataEngine engine = open(dir, config(64 * 1024));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        t.ingest(Flux.fromIterable(w.batches(1, 1500, 20))).block(T);
        t.waitForDiskConsistentLsn(w.lsn(200)).block(T);
        Lsn durable = t.diskConsistentLsn();
        assertTrue(durable.isBefore(w.lsn(1500)));
        Path tlDir = t.directory();
        assertTrue(files(tlDir).stream().anyMatch(f -> f.startsWith("ephemeral-")), files(tlDir).toString());
        engine.shutdown(ShutdownMode.HARD).block(T);
        assertTrue(files(tlDir).stream().noneMatch(f -> f.startsWith("ephemeral-")), "a clean stop removes them");

        StrataEngine again = open(dir, config(64 * 1024));
        Timeline t2 = again.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        assertTrue(t2.diskConsistentLsn().compareTo(durable) >= 0);
        Lsn dcl = t2.diskConsistentLsn();
        assertPagesAt(t2, w, dcl);
        // re-send from just above the durable LSN, as a safekeeper would
        long next = w.indexAtOrBelow(dcl) + 1;
        t2.ingest(Flux.fromIterable(w.batches(next, 1500, 20))).block(T);
        assertPagesAt(t2, w, w.lsn(1500));
        again.close().block(T);
    }

    @Test
    void restartRemovesTempEphemeralAndUnindexedLayerFilesButKeepsUnknownOnes() throws Exception {
        StrataEngine engine = open(dir, config(32 * 1024));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        t.ingest(Flux.fromIterable(w.batches(1, 800, 16))).block(T);
        t.freezeAndFlush().block(T);
        IndexPart index = t.indexPart();
        Path tlDir = t.directory();
        engine.close().block(T);

        LayerName some = index.layerMetadata().firstKey();
        Path layer = tlDir.resolve(some.localFileName(Generation.of(1)));
        java.nio.file.Files.copy(layer, tlDir.resolve(some.localFileName(Generation.of(7)))); // not in the index
        java.nio.file.Files.write(tlDir.resolve(some + ".1.___temp"), new byte[100]);
        java.nio.file.Files.write(tlDir.resolve("index_part.json.3.___temp"), new byte[10]);
        java.nio.file.Files.write(tlDir.resolve("ephemeral-42"), new byte[8192]);
        java.nio.file.Files.write(tlDir.resolve("notes.txt"), new byte[1]);
        java.nio.file.Files.write(tlDir.getParent().getParent().resolve("tenant.json.5.___temp"), new byte[1]);

        StrataEngine again = open(dir, config(32 * 1024));
        Timeline t2 = again.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        List<String> want = new java.util.ArrayList<>(expectedFiles(index));
        want.add("notes.txt");
        want.sort(null);
        assertEquals(want, files(tlDir));
        assertFalse(java.nio.file.Files.exists(tlDir.getParent().getParent().resolve("tenant.json.5.___temp")));
        assertPagesAt(t2, w, w.lsn(800));
        again.close().block(T);
    }

    @Test
    void aLayerFileThatDoesNotMatchTheIndexFailsTheOpenNamingIt() throws Exception {
        StrataEngine engine = open(dir, config(32 * 1024));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        t.ingest(Flux.fromIterable(w.batches(1, 400, 16))).block(T);
        t.freezeAndFlush().block(T);
        IndexPart index = t.indexPart();
        engine.close().block(T);
        LayerName some = index.layerMetadata().lastKey();
        Path layer = t.directory().resolve(some.localFileName(Generation.of(1)));
        io.strata.engine.layer.LayerTestSupport.truncate(layer, java.nio.file.Files.size(layer) - 8192);
        Throwable e = assertThrows(RuntimeException.class, () -> open(dir, config(32 * 1024)));
        assertTrue(e.getMessage().contains(layer.getFileName().toString()), e.getMessage());

        java.nio.file.Files.delete(layer);
        e = assertThrows(RuntimeException.class, () -> open(dir, config(32 * 1024)));
        assertTrue(e.getMessage().contains(layer.getFileName().toString()), e.getMessage());
    }

    @Test
    void aTimelineDirectoryWithoutIndexIsRemovedAtStart() throws Exception {
        StrataEngine engine = open(dir, config(32 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        engine.close().block(T);
        Path half = tenant.timelineDirectory(io.strata.engine.key.TimelineId.generate());
        java.nio.file.Files.createDirectories(half);
        java.nio.file.Files.write(half.resolve("ephemeral-1"), new byte[1]);
        StrataEngine again = open(dir, config(32 * 1024));
        assertFalse(java.nio.file.Files.exists(half));
        assertTrue(again.tenant(TENANT).orElseThrow().timelines().isEmpty());
        again.close().block(T);
    }

    @Test
    void readOnlySnapshotTimelinesRefuseWrites() {
        Timeline t = new Timeline(TIMELINE, java.util.Optional.empty(), io.strata.engine.read.LayerSnapshot.EMPTY,
                new io.strata.engine.walredo.NeonWalRedo(), io.strata.engine.read.ReadOptions.DEFAULT);
        assertFalse(t.isStored());
        assertThrows(IllegalStateException.class, () -> t.ingest(Flux.empty()).block(T));
        assertThrows(IllegalStateException.class, t::lastRecordLsn);
        assertThrows(IllegalStateException.class, () -> t.replaceHistoricLayers(List.of(),
                List.<PersistentLayerDesc>of()).block(T));
    }
}
