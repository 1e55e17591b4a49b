package io.strata.engine.compaction.gc;

import static io.strata.engine.compaction.gc.GcTestSupport.POOL;
import static io.strata.engine.compaction.gc.GcTestSupport.append;
import static io.strata.engine.compaction.gc.GcTestSupport.e;
import static io.strata.engine.compaction.gc.GcTestSupport.key;
import static io.strata.engine.compaction.gc.GcTestSupport.read;
import static io.strata.engine.compaction.gc.GcTestSupport.setGc;
import static io.strata.engine.compaction.gc.GcTestSupport.tenValues;
import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Neon's gc-compaction queue: manual and automatic meta jobs, split into sub-jobs, notify, L2 LSN, cancel. */
class GcCompactionQueueTest {
    private static final String DENSE = "000000000033333333444444445500000000";
    @TempDir
    Path dir;
    private StrataEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close().block(T);
        }
    }

    private Timeline timeline() {
        engine = open(dir, config(1 << 20));
        List<LayerEntry> delta1 = List.of(e(key(DENSE, 1), 0x20, append("@0x20")),
                e(key(DENSE, 3), 0x28, append("@0x28")), e(key(DENSE, 3), 0x40, append("@0x40")));
        List<LayerEntry> delta2 = List.of(e(key(DENSE, 5), 0x20, append("@0x20")),
                e(key(DENSE, 6), 0x20, append("@0x20")));
        TreeMap<Key, byte[]> all = new TreeMap<>(tenValues(DENSE, "0x10"));
        Timeline t = TestTimelineBuilder.create(engine.createTenant(TENANT).block(T), TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x10), Lsn.of(0x48), delta1)
                .delta(Lsn.of(0x10), Lsn.of(0x48), delta2)
                .image(Lsn.of(0x10), all.headMap(key(DENSE, 5)))
                .image(Lsn.of(0x10), all.tailMap(key(DENSE, 5)))
                .endLsn(Lsn.of(0x50))
                .build().block(T);
        setGc(t, 0x30, List.of(0x20L), TIMELINE);
        return t;
    }

    private static void verify(Timeline t) {
        assertEquals("value 1@0x10@0x20", read(t, key(DENSE, 1), 0x20));
        assertEquals("value 3@0x10@0x28", read(t, key(DENSE, 3), 0x30));
        assertEquals("value 3@0x10@0x28@0x40", read(t, key(DENSE, 3), 0x48));
        assertEquals("value 3@0x10", read(t, key(DENSE, 3), 0x20));
        assertEquals("value 6@0x10@0x20", read(t, key(DENSE, 6), 0x48));
    }

    private static int drain(GcCompactionQueue q, Timeline t, GcCompactionSettings s) {
        int n = 0;
        while (q.remainingJobsNum() > 0) {
            CompactionOutcome o = q.iteration(t, s, POOL).block(T);
            // PENDING while items remain behind the one taken (Neon looks before a split queues its sub-jobs)
            assertEquals(q.remainingJobsNum() > 0 && n > 0 ? CompactionOutcome.PENDING : o, o);
            n++;
        }
        return n;
    }

    @Test
    void manualJobWithSubCompactionNotifiesItsCaller() {
        Timeline t = timeline();
        GcCompactionQueue q = new GcCompactionQueue();
        GcCompactionQueue.Scheduled job = q.scheduleManualCompaction(CompactOptions.defaultForGcCompactionUnitTests()
                .withSubCompaction(true, OptionalLong.of(0)));
        var finished = job.finished().toFuture();
        assertEquals(1, q.remainingJobsNum());
        // the meta job splits (DONE, as in Neon: nothing was queued behind it when it was taken), then each
        // sub-job, then the notify
        assertEquals(CompactionOutcome.DONE, q.iteration(t, GcCompactionSettings.defaults(), POOL).block(T));
        assertTrue(q.remainingJobs().get(0).item() instanceof GcCompactionQueue.GcCompactionQueueItem.SubCompactionJob);
        assertFalse(finished.isDone());
        int iterations = 1 + drain(q, t, GcCompactionSettings.defaults());
        assertTrue(finished.isDone() && !finished.isCompletedExceptionally());
        GcCompactionQueue.GcCompactionMetaStatistics m = q.metaStatistics().orElseThrow();
        assertEquals(iterations - 2, m.totalSubCompactionJobs()); // meta + sub-jobs + notify
        assertEquals(m.totalSubCompactionJobs(), m.succeededSubCompactionJobs());
        assertEquals(Lsn.of(0x30), m.belowLsn());
        assertTrue(m.toJson().contains("\"total_sub_compaction_jobs\":" + m.totalSubCompactionJobs()));
        verify(t);
        // a manual job does not move the L2 LSN
        assertEquals(Optional.empty(), t.gcCompactionState());
        assertEquals(0, q.remainingJobsNum());
    }

    @Test
    void autoTriggerInitialThresholdThenRatioAndL2Lsn() {
        Timeline t = timeline();
        GcCompactionQueue q = new GcCompactionQueue();
        GcCompactionSettings off = GcCompactionSettings.defaults().withTriggers(false, 0, 100);
        assertEquals(CompactionOutcome.DONE, q.iteration(t, off, POOL).block(T));
        assertEquals(0, q.remainingJobsNum(), "disabled: nothing triggered");
        GcCompactionSettings high = GcCompactionSettings.defaults();
        assertFalse(q.triggerAutoCompaction(t, high), "5 GB initial threshold not reached");
        GcCompactionSettings s = GcCompactionSettings.defaults().withTriggers(true, 0, 100);
        assertEquals(CompactionOutcome.DONE, q.iteration(t, s, POOL).block(T)); // triggers, then yields
        assertEquals(1, q.remainingJobsNum());
        drain(q, t, s);
        verify(t);
        // an automatic job records the L2 LSN: the highest horizon of its jobs
        assertEquals(Optional.of(new IndexPart.GcCompactionState(Lsn.of(0x30))), t.gcCompactionState());
        // now everything below the cutoff is L2: L1/L2 = 0 is below the ratio
        assertFalse(q.triggerAutoCompaction(t, s));
        // the permit was given back: another queue sharing it may trigger
        assertTrue(GcCompactionQueue.triggerCompaction(100, 100, 0, 100));
        assertFalse(GcCompactionQueue.triggerCompaction(99, 100, 0, 100));
        assertFalse(GcCompactionQueue.triggerCompaction(GcCompactionQueue.AUTO_TRIGGER_LIMIT, 0, 0, 100));
    }

    @Test
    void cancelScheduledFailsTheWaitingCaller() {
        Timeline t = timeline();
        GcCompactionQueue q = new GcCompactionQueue();
        GcCompactionQueue.Scheduled job = q.scheduleManualCompaction(CompactOptions.defaultForGcCompactionUnitTests());
        q.cancelScheduled();
        assertEquals(0, q.remainingJobsNum());
        assertThrows(CancellationException.class, () -> job.finished().block(T));
        assertEquals(CompactionOutcome.DONE, q.iteration(t, GcCompactionSettings.defaults().withTriggers(false, 0,
                100), POOL).block(T));
    }
}
