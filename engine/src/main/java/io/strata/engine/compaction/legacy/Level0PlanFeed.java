package io.strata.engine.compaction.legacy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The L0 split plan handed from the planner (a worker thread walking the L0 indexes) to the write pass while the
 * planner is still running, so that writing starts as soon as the first cut is known instead of after the whole
 * plan. The planner gives steps and progress ({@link Level0SplitPlanner.StepSink}), then {@link #done} or
 * {@link #fail}; the write pass copies what is known with {@link #copyInto} and, when it has caught up with the
 * planner, waits with {@link #awaitBeyond}. A {@link #stop} (the write pass ended or was cancelled) tells the
 * planner to give up.
 */
final class Level0PlanFeed implements Level0SplitPlanner.StepSink {
    /** What {@link #copyInto} reports as known when the plan is complete: every ordinal. */
    static final long ALL = Long.MAX_VALUE;

    private final Object lock = new Object();
    private final List<Level0SplitPlanner.Step> steps = new ArrayList<>();
    private long through;
    private long values = -1;
    private Throwable error;
    private CompletableFuture<Void> waiter;
    private long waitingFor;
    private volatile boolean stopped;

    @Override
    public void step(Level0SplitPlanner.Step s) {
        synchronized (lock) {
            steps.add(s);
        }
    }

    @Override
    public void through(long ordinal) {
        CompletableFuture<Void> w;
        synchronized (lock) {
            through = ordinal;
            w = ordinal > waitingFor ? takeWaiter() : null;
        }
        wake(w);
    }

    /** The planner finished: {@code values} values in all. */
    void done(long values) {
        CompletableFuture<Void> w;
        synchronized (lock) {
            this.values = values;
            through = ALL;
            w = takeWaiter();
        }
        wake(w);
    }

    /** The planner failed; the write pass gets {@code e} at its next look at the plan. */
    void fail(Throwable e) {
        CompletableFuture<Void> w;
        synchronized (lock) {
            if (error == null) {
                error = e;
            }
            w = takeWaiter();
        }
        wake(w);
    }

    /** Tells the planner to stop: nobody will read its plan. */
    void stop() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    /**
     * Appends the steps {@code into} does not have yet and returns the ordinal below which every step is known
     * ({@link #ALL} once the plan is complete).
     *
     * @throws RuntimeException the planner's failure (wrapped if it was a checked one)
     */
    long copyInto(List<Level0SplitPlanner.Step> into) {
        synchronized (lock) {
            if (error != null) {
                throw error instanceof RuntimeException r ? r : new IllegalStateException(error);
            }
            into.addAll(steps.subList(into.size(), steps.size()));
            return through;
        }
    }

    /** The number of values planned, once {@link #done}; else -1. */
    long values() {
        synchronized (lock) {
            return values;
        }
    }

    /**
     * Completes when the planner has got past {@code ordinal}, finished or failed (at once if it already has).
     * Completed on the planner's thread: callers move off it before doing work.
     */
    CompletableFuture<Void> awaitBeyond(long ordinal) {
        synchronized (lock) {
            if (through > ordinal || error != null) {
                return CompletableFuture.completedFuture(null);
            }
            if (waiter == null) {
                waiter = new CompletableFuture<>();
            }
            waitingFor = ordinal;
            return waiter;
        }
    }

    private CompletableFuture<Void> takeWaiter() {
        CompletableFuture<Void> w = waiter;
        waiter = null;
        return w;
    }

    private static void wake(CompletableFuture<Void> w) {
        if (w != null) {
            w.complete(null);
        }
    }
}
