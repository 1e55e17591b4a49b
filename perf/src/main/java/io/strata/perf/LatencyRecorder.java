package io.strata.perf;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latencies in nanoseconds, recorded from any thread without contention: each recording thread writes its own
 * HdrHistogram (single writer, no atomics), and {@link #merged()} adds them up once the run is over. The caller
 * must make sure recording has stopped, and happens-before the merge (the harness's CountDownLatch does).
 */
final class LatencyRecorder {
    /** Values above this are clamped (a 10 s direct read is a hung device; it still counts as a very slow op). */
    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int SIGNIFICANT_DIGITS = 3;

    private final Queue<Histogram> perThread = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<Histogram> local = ThreadLocal.withInitial(() -> {
        Histogram h = new Histogram(1, HIGHEST_NANOS, SIGNIFICANT_DIGITS);
        perThread.add(h);
        return h;
    });

    void record(long nanos) {
        local.get().recordValue(Math.max(0, Math.min(nanos, HIGHEST_NANOS)));
    }

    Histogram merged() {
        Histogram all = new Histogram(1, HIGHEST_NANOS, SIGNIFICANT_DIGITS);
        for (Histogram h : perThread) {
            all.add(h);
        }
        return all;
    }
}
