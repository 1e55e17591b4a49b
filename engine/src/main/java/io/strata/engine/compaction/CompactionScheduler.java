package io.strata.engine.compaction;

import io.strata.engine.timeline.Timeline;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The engine's background compaction (Neon's compaction loop and its L0-first semaphore), for every registered
 * timeline:
 * <ul>
 *   <li><b>Woken, not polling.</b> Each timeline's L0 count is watched ({@link Timeline#level0Counts()}); when it
 *       reaches the compaction threshold the timeline is queued in the <b>L0 lane</b>. A job that ends
 *       {@link CompactionOutcome#PENDING} or {@link CompactionOutcome#YIELD_FOR_L0} is queued there again; one that
 *       ends {@link CompactionOutcome#DONE} after L0 work queues the timeline's full pass (image creation and the
 *       rest) in the <b>background lane</b>.</li>
 *   <li><b>L0 first.</b> A free slot takes the L0 lane before the background lane.</li>
 *   <li><b>Bounded.</b> At most {@code maxConcurrentJobs} jobs run, one per timeline, and together they may claim
 *       at most {@code memoryBudget} bytes by their estimates (a job larger than the budget runs alone).</li>
 *   <li><b>Cancellation.</b> {@link #close()} cancels every running job (each leaves its timeline as it was, or
 *       finishes its swap) and stops watching; {@link #unregister} does the same for one timeline.</li>
 * </ul>
 * Every run is published as a {@link Run} on {@link #runs()} with its outcome, duration and error, and logged.
 * All state is guarded by this object's monitor; jobs start outside it.
 */
public final class CompactionScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompactionScheduler.class);

    /** Which lane a job ran in. */
    public enum Lane {
        L0,
        BACKGROUND
    }

    /** One finished job: its timeline, lane, outcome (empty on error) and how long it took. */
    public record Run(String timeline, Lane lane, CompactionOutcome outcome, Duration elapsed, Instant finishedAt,
                      Throwable error) {
        public String toJson() {
            return "{\"timeline\":\"" + timeline + "\",\"lane\":\"" + lane + "\",\"outcome\":"
                    + (outcome == null ? "null" : "\"" + outcome + "\"") + ",\"elapsed_ms\":" + elapsed.toMillis()
                    + (error == null ? "" : ",\"error\":\"" + error.toString().replace("\"", "'") + "\"") + "}";
        }
    }

    /**
     * @param maxConcurrentJobs jobs running at once across timelines
     * @param memoryBudget      bytes the running jobs may claim together
     * @param l0Threshold       L0 layers that wake the L0 lane, per timeline
     * @param l0Job             one L0 pass of a timeline
     * @param backgroundJob     one full pass (image creation, ...) of a timeline, yielding to L0 work
     * @param memoryEstimate    bytes a job on a timeline may hold (e.g. merge buffers per input layer)
     */
    public record Config(int maxConcurrentJobs, long memoryBudget, Function<Timeline, Integer> l0Threshold,
                         Function<Timeline, Mono<CompactionOutcome>> l0Job,
                         Function<Timeline, Mono<CompactionOutcome>> backgroundJob,
                         ToLongFunction<Timeline> memoryEstimate) {
        public Config {
            Objects.requireNonNull(l0Threshold, "l0Threshold");
            Objects.requireNonNull(l0Job, "l0Job");
            Objects.requireNonNull(backgroundJob, "backgroundJob");
            Objects.requireNonNull(memoryEstimate, "memoryEstimate");
            if (maxConcurrentJobs < 1 || memoryBudget <= 0) {
                throw new IllegalArgumentException("need at least one job and a positive memory budget, got "
                        + maxConcurrentJobs + ", " + memoryBudget);
            }
        }
    }

    private final Config config;
    private final ArrayDeque<Timeline> l0Lane = new ArrayDeque<>();
    private final ArrayDeque<Timeline> backgroundLane = new ArrayDeque<>();
    private final Map<Timeline, Disposable> watches = new HashMap<>();
    private final Map<Timeline, Disposable> running = new HashMap<>();
    private final Map<Timeline, Long> claimed = new HashMap<>();
    private final Set<Timeline> wantsL0Again = new HashSet<>();
    /** Timelines whose L0 work since their last full pass calls for one. */
    private final Set<Timeline> needsBackground = new HashSet<>();
    /** Unregistered while a job ran: its end must not queue more. */
    private final Set<Timeline> dropped = new HashSet<>();
    private final Sinks.Many<Run> runs = Sinks.many().multicast().directBestEffort();
    private long memoryInUse;
    private boolean closed;

    public CompactionScheduler(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Starts watching {@code t}'s L0 count. Idempotent. */
    public void register(Timeline t) {
        Objects.requireNonNull(t, "t");
        Disposable.Swap watch = Disposables.swap();
        synchronized (this) {
            if (closed || watches.containsKey(t)) {
                return;
            }
            watches.put(t, watch);
        }
        int threshold = config.l0Threshold().apply(t);
        // a swap already disposed (unregister or close in between) disposes the subscription at once
        watch.update(t.level0Counts()
                .filter(n -> n >= threshold)
                .subscribe(n -> enqueue(t, Lane.L0), e -> log.debug("{}: L0 watch ended: {}", t.name(), e.toString())));
    }

    /** Stops watching {@code t}, drops its queued jobs and cancels its running one. */
    public void unregister(Timeline t) {
        Disposable w;
        Disposable r;
        synchronized (this) {
            w = watches.remove(t);
            r = running.get(t);
            l0Lane.remove(t);
            backgroundLane.remove(t);
            wantsL0Again.remove(t);
            if (r != null) {
                dropped.add(t);
            }
        }
        if (w != null) {
            w.dispose();
        }
        if (r != null) {
            r.dispose();
        }
    }

    /** Queues a job for {@code t} in {@code lane} (manual trigger; the L0 watch does this itself). */
    public void enqueue(Timeline t, Lane lane) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (running.containsKey(t)) {
                if (lane == Lane.L0) {
                    wantsL0Again.add(t); // re-run after the current job: new L0s arrived meanwhile
                }
                return;
            }
            ArrayDeque<Timeline> q = lane == Lane.L0 ? l0Lane : backgroundLane;
            if (!q.contains(t)) {
                q.add(t);
            }
        }
        dispatch();
    }

    /** Every finished run, as it finishes (hot: subscribe before the runs you want to see). */
    public Flux<Run> runs() {
        return runs.asFlux();
    }

    /** Jobs running now. */
    public synchronized int runningJobs() {
        return running.size();
    }

    /** Jobs waiting in the lanes. */
    public synchronized int queuedJobs() {
        return l0Lane.size() + backgroundLane.size();
    }

    /** Starts what the slots and the memory budget allow, L0 lane first. */
    private void dispatch() {
        List<Runnable> starts = new ArrayList<>();
        synchronized (this) {
            while (!closed && running.size() < config.maxConcurrentJobs()) {
                Timeline t = pick(l0Lane);
                Lane lane = Lane.L0;
                if (t == null) {
                    t = pick(backgroundLane);
                    lane = Lane.BACKGROUND;
                }
                if (t == null) {
                    break;
                }
                long mem = Math.max(0, config.memoryEstimate().applyAsLong(t));
                if (!running.isEmpty() && memoryInUse + mem > config.memoryBudget()) {
                    // put it back at the front: it goes first once memory frees up
                    (lane == Lane.L0 ? l0Lane : backgroundLane).addFirst(t);
                    break;
                }
                memoryInUse += mem;
                claimed.put(t, mem);
                Timeline job = t;
                Lane jobLane = lane;
                Disposable.Swap slot = Disposables.swap();
                running.put(t, slot);
                starts.add(() -> start(job, jobLane, slot));
            }
        }
        starts.forEach(Runnable::run);
    }

    /** The first timeline of {@code q} not running a job now. */
    private Timeline pick(ArrayDeque<Timeline> q) {
        for (var it = q.iterator(); it.hasNext(); ) {
            Timeline t = it.next();
            if (!running.containsKey(t)) {
                it.remove();
                return t;
            }
        }
        return null;
    }

    private void start(Timeline t, Lane lane, Disposable.Swap slot) {
        long started = System.nanoTime();
        Mono<CompactionOutcome> job = Mono.defer(() -> lane == Lane.L0 ? config.l0Job().apply(t)
                : config.backgroundJob().apply(t));
        slot.update(job
                .defaultIfEmpty(CompactionOutcome.SKIPPED)
                .doOnCancel(() -> finished(t, lane, null, new java.util.concurrent.CancellationException("cancelled"),
                        started))
                .subscribe(
                        outcome -> finished(t, lane, outcome, null, started),
                        error -> finished(t, lane, null, error, started),
                        () -> { }));
    }

    private void finished(Timeline t, Lane lane, CompactionOutcome outcome, Throwable error, long started) {
        Run run = new Run(t.name(), lane, outcome, Duration.ofNanos(System.nanoTime() - started), Instant.now(),
                error);
        if (error != null) {
            log.warn("{}: {} compaction failed: {}", t.name(), lane, error.toString());
        } else {
            log.info("compaction run {}", run.toJson());
        }
        synchronized (this) {
            if (running.remove(t) == null) {
                return; // already accounted (a cancel after the result, or close)
            }
            Long mem = claimed.remove(t);
            memoryInUse -= mem == null ? 0 : mem;
            boolean again = wantsL0Again.remove(t);
            if (lane == Lane.L0 && outcome == CompactionOutcome.DONE) {
                needsBackground.add(t); // L0 work was done: the full pass follows once L0 is quiet
            }
            if (!closed && !dropped.remove(t)) {
                if (outcome == CompactionOutcome.PENDING || outcome == CompactionOutcome.YIELD_FOR_L0 || again) {
                    if (!l0Lane.contains(t)) {
                        l0Lane.add(t);
                    }
                } else if (needsBackground.remove(t) && !backgroundLane.contains(t)) {
                    backgroundLane.add(t);
                }
            } else {
                needsBackground.remove(t);
            }
        }
        runs.emitNext(run, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
        dispatch();
    }

    /** Cancels every running job and stops watching; idempotent. */
    @Override
    public void close() {
        List<Disposable> all = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all.addAll(watches.values());
            all.addAll(running.values());
            watches.clear();
            l0Lane.clear();
            backgroundLane.clear();
        }
        all.forEach(Disposable::dispose);
        runs.emitComplete(Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }
}
