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
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.CompactionScheduler;
import io.strata.engine.key.Lsn;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * The engine's scheduler compacts L0 layers in the background as ingest makes them: woken by the L0 count, it keeps
 * the count near the threshold while reads stay exact, and an ingest that would stall on L0 layers goes on.
 */
class BackgroundCompactionTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);

    @Test
    void ingestKeepsGoingWhileTheSchedulerCompactsL0() throws Exception {
        EngineConfig c = config(16 * 1024);
        // compact at 4 L0s; ingest stalls at 8 until compaction brings the count down
        c = c.withCompaction(CompactionConfig.defaults()).withTimeline(c.timeline().withCompactionThreshold(4)
                .withL0FlushThresholds(6, 8));
        StrataEngine engine = open(dir, c);
        CompactionScheduler scheduler = engine.compactionScheduler().orElseThrow();
        List<CompactionScheduler.Run> runs = new CopyOnWriteArrayList<>();
        scheduler.runs().subscribe(runs::add);
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);

        long n = 4000;
        for (long i = 1; i <= n; i += 250) {
            t.ingest(Flux.fromIterable(w.batches(i, Math.min(n, i + 249), 16))).block(T);
        }
        t.freezeAndFlush().block(T);
        // let the scheduler finish what the last flushes woke (and the background pass after it)
        Thread.sleep(200);
        long deadline = System.nanoTime() + T.toNanos();
        while ((scheduler.runningJobs() > 0 || scheduler.queuedJobs() > 0
                || t.layers().map().level0Deltas().size() >= 4) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(t.layers().map().level0Deltas().size() < 4, "L0 layers left: "
                + t.layers().map().level0Deltas().size());
        assertTrue(runs.stream().anyMatch(r -> r.lane() == CompactionScheduler.Lane.L0
                && r.outcome() == CompactionOutcome.DONE), runs.toString());
        assertTrue(runs.stream().allMatch(r -> r.error() == null), runs.toString());
        // (whether its TRY image check fires depends on when the passes ran: LegacyCompactionTest covers images)
        assertTrue(runs.stream().anyMatch(r -> r.lane() == CompactionScheduler.Lane.BACKGROUND), runs.toString());
        assertTrue(t.stats().freezes() > 20, "many L0 layers were made: " + t.stats());
        for (long i : new long[] {1, 97, 500, 1234, 2500, 3999, n}) {
            assertPagesAt(t, w, w.lsn(i));
        }
        assertFilesSettle(t);
        engine.close().block(T);

        StrataEngine reopened = open(dir, c);
        Timeline t2 = reopened.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        for (long i : new long[] {1, 1234, n}) {
            assertPagesAt(t2, w, w.lsn(i));
        }
        reopened.close().block(T);
    }
    /** A gc-compaction scheduled by hand on the timeline's queue runs in the scheduler's background pass. */
    @Test
    void theBackgroundPassRunsTheGcCompactionQueue() throws Exception {
        EngineConfig c = config(16 * 1024);
        c = c.withCompaction(CompactionConfig.defaults()).withTimeline(c.timeline().withCompactionThreshold(4));
        StrataEngine engine = open(dir, c);
        CompactionScheduler scheduler = engine.compactionScheduler().orElseThrow();
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        long n = 1500;
        for (long i = 1; i <= n; i += 250) {
            t.ingest(Flux.fromIterable(w.batches(i, Math.min(n, i + 249), 16))).block(T);
        }
        t.freezeAndFlush().block(T);
        // a GC cutoff at record 1200 gives gc-compaction its horizon
        long horizon = t.lastRecordLsn().value() - w.lsn(1200).value();
        tenant.gcIteration(java.util.Optional.of(TIMELINE), horizon, java.time.Duration.ZERO).block(T);
        var scheduled = engine.gcCompactionQueue(t).scheduleManualCompaction(
                io.strata.engine.compaction.gc.CompactOptions.defaultForGcCompactionUnitTests());
        scheduler.enqueue(t, CompactionScheduler.Lane.BACKGROUND);
        scheduled.finished().block(T);
        assertTrue(t.layers().map().historicLayers().stream().anyMatch(l -> !l.isDelta()
                        && l.lsnStart().equals(w.lsn(1200))),
                "gc-compaction wrote images at its horizon: " + t.layers().map().historicLayers());
        for (long i : new long[] {1200, 1300, n}) {
            assertPagesAt(t, w, w.lsn(i));
        }
        engine.close().block(T);
    }
}
