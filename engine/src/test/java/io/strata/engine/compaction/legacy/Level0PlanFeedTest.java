package io.strata.engine.compaction.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.delta.BlobRef;
import io.strata.engine.layer.delta.DeltaEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The hand-over of the L0 split plan from the planner to the write pass that runs beside it. */
class Level0PlanFeedTest {
    private static final Level0SplitPlanner.LsnRange RANGE =
            new Level0SplitPlanner.LsnRange(Lsn.of(0x10), Lsn.of(0x20));

    private static Level0SplitPlanner.Step open(long ordinal) {
        return new Level0SplitPlanner.Step(ordinal, ordinal > 0, RANGE);
    }

    @Test
    void stepsAreKnownOnlyBelowThePlannersProgress() {
        Level0PlanFeed feed = new Level0PlanFeed();
        List<Level0SplitPlanner.Step> known = new ArrayList<>();
        assertEquals(0, feed.copyInto(known), "nothing is known before the planner starts");
        CompletableFuture<Void> waiting = feed.awaitBeyond(0);
        assertFalse(waiting.isDone(), "the write pass waits for the planner");

        feed.step(open(0));
        assertFalse(waiting.isDone(), "a step alone does not say that no other step comes before the next value");
        feed.through(1024);
        assertTrue(waiting.isDone(), "progress wakes the waiting write pass");
        assertEquals(1024, feed.copyInto(known));
        assertEquals(List.of(open(0)), known);

        feed.step(open(1500));
        feed.through(2048);
        assertEquals(2048, feed.copyInto(known));
        assertEquals(List.of(open(0), open(1500)), known, "only the new steps are appended");
        assertTrue(feed.awaitBeyond(2047).isDone(), "no wait below the progress");
        assertEquals(-1, feed.values(), "the total is unknown until the planner is done");

        CompletableFuture<Void> atEnd = feed.awaitBeyond(2100);
        feed.step(new Level0SplitPlanner.Step(2100, true, null));
        feed.through(2100);
        assertFalse(atEnd.isDone(), "the last value's step is known only when the plan is complete");
        feed.done(2100);
        assertTrue(atEnd.isDone());
        assertEquals(Level0PlanFeed.ALL, feed.copyInto(known));
        assertEquals(3, known.size());
        assertEquals(2100, feed.values());
    }

    @Test
    void thePlannersFailureReachesTheWritePass() {
        Level0PlanFeed feed = new Level0PlanFeed();
        List<Level0SplitPlanner.Step> known = new ArrayList<>();
        feed.step(open(0));
        feed.through(1024);
        CompletableFuture<Void> waiting = feed.awaitBeyond(1024);
        IllegalStateException boom = new IllegalStateException("index block unreadable");
        feed.fail(boom);
        assertTrue(waiting.isDone(), "a failure wakes the waiting write pass");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> feed.copyInto(known)));
        assertTrue(feed.awaitBeyond(5000).isDone(), "after a failure nobody waits");

        Level0PlanFeed checked = new Level0PlanFeed();
        IOException io = new IOException("read failed");
        checked.fail(io);
        RuntimeException wrapped = assertThrows(RuntimeException.class, () -> checked.copyInto(known));
        assertSame(io, wrapped.getCause(), "a checked failure is wrapped, not lost");
    }

    @Test
    void stopTellsThePlannerToGiveUp() {
        Level0PlanFeed feed = new Level0PlanFeed();
        assertFalse(feed.stopped());
        feed.stop();
        assertTrue(feed.stopped());
    }

    @Test
    void thePlannerStreamsTheSameStepsItWouldCollect() {
        List<DeltaEntry> in = new ArrayList<>();
        for (int k = 0; k < 5000; k++) {
            in.add(new DeltaEntry(Key.fromHex(String.format("000000067F000032BE0000400000%08X", k)), Lsn.of(0x18),
                    new BlobRef(LayerFormat.VALUES_START << 1), 8192));
        }
        ShardIdentity shard = ShardIdentity.unsharded();
        Level0SplitPlanner.Plan collected = Level0SplitPlanner.plan(in.iterator(), in.iterator(), List.of(), RANGE,
                1 << 20, shard);
        Level0PlanFeed feed = new Level0PlanFeed();
        List<Long> progress = new ArrayList<>();
        Level0SplitPlanner.Totals t = Level0SplitPlanner.plan(in.iterator(), in.iterator(), List.of(), RANGE,
                1 << 20, shard, new Level0SplitPlanner.StepSink() {
                    @Override
                    public void step(Level0SplitPlanner.Step s) {
                        feed.step(s);
                    }

                    @Override
                    public void through(long ordinal) {
                        progress.add(ordinal);
                        feed.through(ordinal);
                    }
                });
        feed.done(t.values());
        List<Level0SplitPlanner.Step> streamed = new ArrayList<>();
        feed.copyInto(streamed);
        assertEquals(collected.steps(), streamed);
        assertEquals(collected.values(), t.values());
        assertEquals(collected.layers(), t.layers());
        assertTrue(collected.layers() > 30, "the plan cuts many layers: " + collected.layers());
        // progress every PROGRESS_EVERY values, and at the end
        assertEquals(List.of(1024L, 2048L, 3072L, 4096L, 5000L), progress);
    }
}
