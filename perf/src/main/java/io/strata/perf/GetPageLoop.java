package io.strata.perf;

import io.strata.engine.key.Lsn;
import io.strata.engine.timeline.Timeline;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import reactor.core.scheduler.Schedulers;

/**
 * A closed loop of random single-page gets: {@code qd} chains, each issuing {@code Timeline.get} for a random key
 * and, when the page arrives (checked against its stamp), the next one; the figures count the gets completed in the
 * measured window, after a warm-up. Completions run on the engine's threads, as a non-blocking host's would.
 */
final class GetPageLoop {
    private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Timeline timeline;
    private final GetPageDataset data;
    private final Lsn lsn;
    private final int keys;
    private final LatencyRecorder latencies = new LatencyRecorder();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private CountDownLatch finished;
    private volatile boolean stop;
    private long measureStart;
    private long end;

    /** The figures of one run. */
    record Result(int qd, long gets, double seconds, double getsPerSec, double p50Us, double p99Us, double p999Us,
                  double cpuUsPerGet) {
        /** Gets per second of process CPU time: what one core sustains. */
        double getsPerCoreSec() {
            return Double.isFinite(cpuUsPerGet) && cpuUsPerGet > 0 ? 1e6 / cpuUsPerGet : Double.NaN;
        }
    }

    GetPageLoop(Timeline timeline, GetPageDataset data, int keys) {
        this.timeline = timeline;
        this.data = data;
        this.lsn = data.readLsn();
        this.keys = keys;
    }

    Result run(int qd, long warmupNanos, long measureNanos, long seed, CpuClock cpu) throws InterruptedException {
        finished = new CountDownLatch(qd);
        List<Chain> chains = new ArrayList<>(qd);
        for (int i = 0; i < qd; i++) {
            chains.add(new Chain(new SplittableRandom(seed * 1000 + i)));
        }
        long start = System.nanoTime();
        measureStart = start + warmupNanos;
        end = measureStart + measureNanos;
        // Start each chain on a worker, not here: a get served from cache completes inside its subscribe, and a
        // chain then runs on its thread until the window ends (so at most one chain per worker is active).
        for (Chain c : chains) {
            Schedulers.parallel().schedule(c::issue);
        }
        finished.await(measureStart - System.nanoTime(), TimeUnit.NANOSECONDS);
        long cpu0 = cpu.processCpuNanos();
        finished.await(end - System.nanoTime(), TimeUnit.NANOSECONDS);
        long cpu1 = cpu.processCpuNanos();
        if (!finished.await(DRAIN_TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
            stop = true;
            throw new IllegalStateException(finished.getCount() + " of " + qd + " gets did not complete within 30 s "
                    + "after the end of the run");
        }
        Throwable err = failure.get();
        if (err != null) {
            throw new IllegalStateException("get failed: " + err, err);
        }
        long gets = 0;
        for (Chain c : chains) {
            gets += c.gets;
        }
        Histogram h = latencies.merged();
        double seconds = measureNanos / 1e9;
        return new Result(qd, gets, seconds, gets / seconds, pct(h, 50), pct(h, 99), pct(h, 99.9),
                cpu0 < 0 || gets == 0 ? Double.NaN : (cpu1 - cpu0) / 1e3 / gets);
    }

    private static double pct(Histogram h, double p) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1e3;
    }

    /**
     * One outstanding get at a time. A get that completes inside its own subscribe (all from cache) must not
     * issue the next from there, or the stack grows with every get: the work-in-progress counter turns that
     * recursion into a loop (the usual Reactor drain pattern).
     */
    private final class Chain implements Consumer<byte[]> {
        private final SplittableRandom random;
        private final AtomicInteger wip = new AtomicInteger();
        private final Consumer<Throwable> onError = this::failed;
        private int key;
        private long issuedAt;
        private long gets;
        private boolean done;

        Chain(SplittableRandom random) {
            this.random = random;
        }

        void issue() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            do {
                key = random.nextInt(keys);
                issuedAt = System.nanoTime();
                timeline.get(GetPageDataset.key(key), lsn).subscribe(this, onError);
            } while (wip.decrementAndGet() != 0);
        }

        @Override
        public void accept(byte[] page) {
            long now = System.nanoTime();
            long want = GetPageDataset.stamp(key, data.layerOf(key));
            if (page.length != GetPageDataset.PAGE || GetPageDataset.stampOf(page) != want) {
                failed(new IllegalStateException("wrong page for key " + GetPageDataset.key(key) + ": "
                        + page.length + " bytes, stamp " + Long.toHexString(GetPageDataset.stampOf(page))
                        + ", expected " + Long.toHexString(want)));
                return;
            }
            if (now >= end || stop) {
                finish();
                return;
            }
            if (now >= measureStart) {
                gets++;
                latencies.record(now - issuedAt);
            }
            issue();
        }

        private void failed(Throwable e) {
            failure.compareAndSet(null, e);
            stop = true;
            finish();
        }

        private void finish() {
            if (!done) {
                done = true;
                finished.countDown();
            }
        }
    }
}
