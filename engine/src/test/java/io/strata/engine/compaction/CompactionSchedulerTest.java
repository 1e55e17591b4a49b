package io.strata.engine.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.TimelineId;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.walredo.NeonWalRedo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The scheduler's lanes, bounds, rescheduling and cancellation, with jobs the test controls. */
class CompactionSchedulerTest {
    private static Timeline timeline(int n) {
        return new Timeline(TimelineId.parse(String.format("%032x", n)), Optional.empty(), LayerSnapshot.EMPTY,
                new NeonWalRedo(), ReadOptions.DEFAULT);
    }

    /** Jobs that wait for the test to complete them, recording the order they started in. */
    private static final class Jobs {
        final List<String> started = new CopyOnWriteArrayList<>();
        final Map<String, Sinks.One<CompactionOutcome>> pending = new ConcurrentHashMap<>();
        final AtomicInteger cancelled = new AtomicInteger();

        Function<Timeline, Mono<CompactionOutcome>> job(String lane) {
            return t -> {
                String name = lane + ":" + t.id().toString().substring(28);
                Sinks.One<CompactionOutcome> s = Sinks.one();
                pending.put(name, s);
                started.add(name);
                return s.asMono().doOnCancel(cancelled::incrementAndGet);
            };
        }

        void complete(String name, CompactionOutcome o) {
            pending.remove(name).tryEmitValue(o);
        }
    }

    private static CompactionScheduler scheduler(Jobs jobs, int max, long budget, long perJob) {
        return new CompactionScheduler(new CompactionScheduler.Config(max, budget, t -> 10, jobs.job("l0"),
                jobs.job("bg"), t -> perJob));
    }

    private static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached");
            }
            Thread.sleep(2);
        }
    }

    @Test
    void l0LaneGoesFirstAndDoneL0WorkQueuesTheBackgroundPass() throws Exception {
        Jobs jobs = new Jobs();
        try (CompactionScheduler s = scheduler(jobs, 1, 1 << 30, 1)) {
            Timeline a = timeline(1);
            Timeline b = timeline(2);
            Timeline c = timeline(3);
            s.enqueue(a, CompactionScheduler.Lane.BACKGROUND); // starts at once: the slot is free
            s.enqueue(b, CompactionScheduler.Lane.BACKGROUND);
            s.enqueue(c, CompactionScheduler.Lane.L0);
            assertEquals(List.of("bg:0001"), jobs.started);
            assertEquals(2, s.queuedJobs());
            jobs.complete("bg:0001", CompactionOutcome.DONE);
            await(() -> jobs.started.size() == 2);
            assertEquals("l0:0003", jobs.started.get(1), "the L0 lane before the background lane");
            jobs.complete("l0:0003", CompactionOutcome.DONE);
            await(() -> jobs.started.size() == 3);
            assertEquals("bg:0002", jobs.started.get(2));
            jobs.complete("bg:0002", CompactionOutcome.SKIPPED);
            await(() -> jobs.started.size() == 4);
            assertEquals("bg:0003", jobs.started.get(3), "L0 work done: the full pass follows");
        }
    }

    @Test
    void pendingAndYieldGoBackToTheL0Lane() throws Exception {
        Jobs jobs = new Jobs();
        List<CompactionScheduler.Run> runs = new CopyOnWriteArrayList<>();
        try (CompactionScheduler s = scheduler(jobs, 1, 1 << 30, 1)) {
            s.runs().subscribe(runs::add);
            Timeline a = timeline(1);
            s.enqueue(a, CompactionScheduler.Lane.L0);
            jobs.complete("l0:0001", CompactionOutcome.PENDING);
            await(() -> jobs.started.size() == 2);
            assertEquals("l0:0001", jobs.started.get(1));
            jobs.complete("l0:0001", CompactionOutcome.DONE);
            await(() -> jobs.started.size() == 3);
            assertEquals("bg:0001", jobs.started.get(2));
            jobs.complete("bg:0001", CompactionOutcome.YIELD_FOR_L0);
            await(() -> jobs.started.size() == 4);
            assertEquals("l0:0001", jobs.started.get(3));
            await(() -> runs.size() == 3);
            assertEquals(List.of(CompactionOutcome.PENDING, CompactionOutcome.DONE, CompactionOutcome.YIELD_FOR_L0),
                    runs.stream().map(CompactionScheduler.Run::outcome).toList());
            assertTrue(runs.get(0).toJson().contains("\"outcome\":\"PENDING\""), runs.get(0).toJson());
        }
    }

    @Test
    void concurrencyAndMemoryAreBounded() throws Exception {
        Jobs jobs = new Jobs();
        // three slots, but memory for two jobs
        try (CompactionScheduler s = scheduler(jobs, 3, 200, 100)) {
            for (int i = 1; i <= 5; i++) {
                s.enqueue(timeline(i), CompactionScheduler.Lane.L0);
            }
            assertEquals(2, s.runningJobs());
            assertEquals(3, s.queuedJobs());
            jobs.complete("l0:0001", CompactionOutcome.SKIPPED);
            await(() -> jobs.started.size() == 3);
            assertEquals(2, s.runningJobs());
            assertEquals(List.of("l0:0001", "l0:0002", "l0:0003"), jobs.started);
        }
        Jobs big = new Jobs();
        try (CompactionScheduler s = scheduler(big, 3, 50, 100)) {
            s.enqueue(timeline(1), CompactionScheduler.Lane.L0);
            s.enqueue(timeline(2), CompactionScheduler.Lane.L0);
            assertEquals(1, s.runningJobs(), "a job above the budget runs, alone");
        }
    }

    @Test
    void oneJobPerTimelineAndL0RequestsDuringAJobRunAfterIt() throws Exception {
        Jobs jobs = new Jobs();
        try (CompactionScheduler s = scheduler(jobs, 4, 1 << 30, 1)) {
            Timeline a = timeline(1);
            s.enqueue(a, CompactionScheduler.Lane.BACKGROUND);
            s.enqueue(a, CompactionScheduler.Lane.L0);
            s.enqueue(a, CompactionScheduler.Lane.L0);
            assertEquals(1, s.runningJobs());
            assertEquals(List.of("bg:0001"), jobs.started);
            jobs.complete("bg:0001", CompactionOutcome.DONE);
            await(() -> jobs.started.size() == 2);
            assertEquals("l0:0001", jobs.started.get(1));
        }
    }

    @Test
    void closeCancelsRunningJobs() throws Exception {
        Jobs jobs = new Jobs();
        CompactionScheduler s = scheduler(jobs, 2, 1 << 30, 1);
        List<CompactionScheduler.Run> runs = new ArrayList<>();
        s.runs().subscribe(runs::add);
        s.enqueue(timeline(1), CompactionScheduler.Lane.L0);
        s.enqueue(timeline(2), CompactionScheduler.Lane.L0);
        s.close();
        assertEquals(2, jobs.cancelled.get());
        assertEquals(0, s.runningJobs());
        s.enqueue(timeline(3), CompactionScheduler.Lane.L0);
        assertEquals(2, jobs.started.size(), "nothing starts after close");
    }
}
