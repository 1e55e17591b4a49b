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
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * L0 backpressure (Neon's flush delay and stall) reaching ingest through Reactor demand, and compaction lifting it;
 * reads running through flushes.
 */
class BackpressureTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x2000), 61, 200);

    private EngineConfig config(int delay, int stall) {
        EngineConfig c = TimelineTestSupport.config(8 * 1024);
        return c.withTimeline(c.timeline().withCompactionThreshold(2).withL0FlushThresholds(delay, stall)
                .withMaxFrozenLayers(1)); // ingest in step with flushes, so that L0s grow while it runs
    }

    @Test
    void aStallStopsIngestDemandUntilCompactionBringsTheL0CountDown() throws Exception {
        StrataEngine engine = open(dir, config(0, 3));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        long n = 2500;
        AtomicLong requested = new AtomicLong();
        Flux<List<IngestRecord>> batches = Flux.fromIterable(w.batches(1, n, 10))
                .doOnRequest(requested::addAndGet);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicBoolean done = new AtomicBoolean();
        Disposable ingest = t.ingest(batches).subscribe(null, failed::set, () -> done.set(true));

        await(() -> t.stats().stalls() >= 1 && t.stats().rollWaits() >= 1 || done.get() || failed.get() != null);
        assertFalse(done.get(), "the ingest must stall before its end: " + t.stats());
        assertEquals(3, t.stats().l0Layers());
        long requestedAtStall = requested.get();
        Lsn lastAtStall = t.lastRecordLsn();
        // Stalled: nothing more is asked for, nothing more is written (observed for a while; no duration asserted)
        Thread.sleep(200);
        assertEquals(requestedAtStall, requested.get(), "no batch is requested while stalled");
        assertEquals(lastAtStall, t.lastRecordLsn());
        assertEquals(3, t.stats().l0Layers());
        assertTrue(requestedAtStall < w.batches(1, n, 10).size());

        // a compactor merging the L0s into L1 layers lets flushes and then ingest resume
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> compactionFailed = new AtomicReference<>();
        AtomicLong compactions = new AtomicLong();
        Thread compactor = new Thread(() -> {
            try {
                while (!stop.get()) {
                    if (t.stats().l0Layers() >= 3) {
                        compactL0s(t);
                        compactions.incrementAndGet();
                    } else {
                        Thread.sleep(2);
                    }
                }
            } catch (Throwable e) {
                compactionFailed.set(e);
            }
        }, "test-compactor");
        compactor.start();
        try {
            await(() -> done.get() || failed.get() != null || compactionFailed.get() != null);
            assertEquals(null, failed.get());
            assertEquals(null, compactionFailed.get());
            assertEquals(w.lsn(n), t.freezeAndFlush().block(T));
        } finally {
            stop.set(true);
            compactor.join();
            ingest.dispose();
        }
        assertEquals(null, compactionFailed.get());
        assertTrue(compactions.get() >= 1);
        for (long i : new long[] {w.keys, 700, 1500, n}) {
            assertPagesAt(t, w, w.lsn(i));
        }
        IndexPart index = t.indexPart();
        assertTrue(index.layerMetadata().keySet().stream().anyMatch(l -> l.isDelta()
                && !l.keyRange().equals(io.strata.engine.key.KeyRange.FULL)), "L1 layers in the index");
        Path tlDir = t.directory();
        engine.close().block(T);
        assertEquals(expectedFiles(index), files(tlDir), "replaced L0 files are deleted");

        StrataEngine again = open(dir, config(0, 3));
        Timeline t2 = again.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        assertPagesAt(t2, w, w.lsn(n));
        assertPagesAt(t2, w, w.lsn(1111));
        again.close().block(T);
    }

    /** Merges every L0 layer of {@code t} into one L1 delta layer holding the same records. */
    private void compactL0s(Timeline t) {
        List<PersistentLayerDesc> l0s = t.layers().map().level0Deltas();
        if (l0s.isEmpty()) {
            return;
        }
        Lsn start = l0s.stream().map(PersistentLayerDesc::lsnStart).min(Comparator.naturalOrder()).orElseThrow();
        Lsn end = l0s.stream().map(PersistentLayerDesc::lsnEnd).max(Comparator.naturalOrder()).orElseThrow();
        List<LayerEntry> entries = new ArrayList<>();
        for (long i = Math.max(1, w.indexAtOrBelow(start)); w.lsn(i).isBefore(end); i++) {
            if (!w.lsn(i).isBefore(start)) {
                entries.add(new LayerEntry(w.key(i), w.lsn(i), w.value(i)));
            }
        }
        entries.sort(Comparator.comparing(LayerEntry::key).thenComparing(LayerEntry::lsn));
        Key min = entries.get(0).key();
        Key max = entries.get(entries.size() - 1).key();
        WrittenLayer<DeltaLayerSummary> l1 = DeltaLayerWriter.write(t.writeContext(), min, start, end,
                writer -> Flux.fromIterable(entries)
                        .concatMap(e -> writer.putValue(e.key(), e.lsn(), e.value()))
                        .then(Mono.defer(() -> writer.finish(max.next())))).block(T);
        t.replaceHistoricLayers(List.of(l1), l0s).block(T);
    }

    @Test
    void theDelayThresholdSlowsFlushesAndMakesRollsWaitButNeverStops() {
        StrataEngine engine = open(dir, config(2, 0));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        long n = 1200;
        t.ingest(Flux.fromIterable(w.batches(1, n, 10))).block(T);
        assertEquals(w.lsn(n), t.freezeAndFlush().block(T));
        TimelineStats.Snapshot s = t.stats();
        assertTrue(s.delays() >= 1 && s.rollWaits() >= 1, s.toString());
        assertEquals(0, s.stalls());
        assertPagesAt(t, w, w.lsn(n));
        assertPagesAt(t, w, w.lsn(n / 3));
        engine.close().block(T);
    }

    @Test
    void cancellingIngestStopsAtABatchBoundaryAndTheTimelineGoesOn() {
        StrataEngine engine = open(dir, TimelineTestSupport.config(16 * 1024));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        AtomicLong emitted = new AtomicLong();
        t.ingest(Flux.fromIterable(w.batches(1, 2000, 10)).doOnNext(b -> emitted.incrementAndGet()).take(57))
                .block(T);
        assertEquals(57, emitted.get());
        assertEquals(w.lsn(570), t.lastRecordLsn());
        t.ingest(Flux.fromIterable(w.batches(571, 900, 10))).block(T);
        assertPagesAt(t, w, w.lsn(900));
        engine.close().block(T);
    }

    @Test
    void readsRunThroughFlushesAgainstTheOracle() throws Exception {
        StrataEngine engine = open(dir, TimelineTestSupport.config(4 * 1024));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        t.ingest(Flux.fromIterable(w.batches(1, w.keys, 10))).block(T);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        t.ingest(Flux.fromIterable(w.batches(w.keys + 1, 2500, 5))).subscribe(null, failed::set,
                () -> done.set(true));
        int reads = 0;
        while (!done.get() && failed.get() == null) {
            Lsn at = t.lastRecordLsn();
            assertPagesAt(t, w, at);
            reads++;
        }
        assertEquals(null, failed.get());
        assertTrue(reads > 0);
        assertTrue(t.stats().flushes() > 5, t.stats().toString());
        assertPagesAt(t, w, w.lsn(2500));
        engine.close().block(T);
    }

    @Test
    void aFlushedInMemoryLayerIsRemovedOnlyAfterTheReadsThatMayHoldItEnd() throws Exception {
        EngineConfig c = TimelineTestSupport.config(1 << 20);
        StrataEngine engine = open(dir, c.withReadOptions(c.readOptions().withMaxBatchKeys(1)));
        Timeline t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        t.ingest(Flux.fromIterable(w.batches(1, 300, 10))).block(T);
        Path ephemeral = t.directory().resolve("ephemeral-1");
        assertTrue(Files.exists(ephemeral));

        List<byte[]> pages = new ArrayList<>();
        AtomicBoolean complete = new AtomicBoolean();
        reactor.core.publisher.BaseSubscriber<io.strata.engine.read.Page> slow = new reactor.core.publisher
                .BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                s.request(1);
            }

            @Override
            protected void hookOnNext(io.strata.engine.read.Page p) {
                pages.add(p.bytes());
            }

            @Override
            protected void hookOnComplete() {
                complete.set(true);
            }
        };
        var expected = w.pagesAt(w.lsn(300));
        t.getVectored(Workload.keySpace(expected.keySet()), w.lsn(300)).subscribe(slow);
        await(() -> pages.size() == 1);
        t.freezeAndFlush().block(T);
        assertTrue(t.layers().inMemory().isEmpty());
        assertTrue(Files.exists(ephemeral), "a read that started before the flush still runs: the file stays");
        slow.request(Long.MAX_VALUE);
        await(complete::get);
        assertEquals(expected.size(), pages.size());
        await(() -> !Files.exists(ephemeral));
        engine.close().block(T);
    }

    /** Polls {@code condition} (at most a minute: a guard against hanging, not a timing assertion). */
    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within a minute");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
