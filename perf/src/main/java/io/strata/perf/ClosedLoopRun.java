package io.strata.perf;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Mono;

/**
 * Keeps exactly {@code qd} direct transfers of one block in flight against one file for a fixed time (a closed
 * loop: each completion issues the next transfer of its chain), and measures them.
 *
 * <p>Threads: completions run on the engine's threads (the ring's event loop for io_uring, pool threads for
 * FileChannel), and the next transfer is issued right there, never blocking. Only the calling thread waits, on a
 * CountDownLatch, for the end of the run. Each chain owns one pooled buffer for the whole run.
 *
 * <p>Measurement: after {@code warmup}, every completion inside the measured window counts (its latency runs from
 * just before the transfer was asked of the engine to its completion callback). CPU is the process CPU time over
 * the window.
 */
final class ClosedLoopRun {
    enum Direction { READ, WRITE }

    record Settings(Direction direction, int block, int qd, long warmupNanos, long measureNanos) {
        Settings {
            if (block <= 0 || qd <= 0 || warmupNanos < 0 || measureNanos <= 0) {
                throw new IllegalArgumentException("bad run settings: " + this);
            }
        }
    }

    /** Extra time past the end of the window for the last transfers to complete before the run counts as hung. */
    private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final String label;
    private final DirectFile file;
    private final Settings settings;
    private final boolean write;
    private final int block;
    private final LatencyRecorder latencies = new LatencyRecorder();
    private final CountDownLatch finished;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;
    private long measureStart;
    private long end;

    private ClosedLoopRun(String label, DirectFile file, Settings settings) {
        this.label = label;
        this.file = file;
        this.settings = settings;
        this.write = settings.direction() == Direction.WRITE;
        this.block = settings.block();
        this.finished = new CountDownLatch(settings.qd());
    }

    /**
     * Runs the loop and returns its figures. Leases {@code qd} buffers from {@code pool} (which must have that
     * many free, each at least one block) and returns them before returning, unless a transfer hung.
     */
    static EngineResult run(String label, DirectFile file, AlignedBufferPool pool, Settings settings, OffsetPlan plan,
                            CpuClock cpu) throws InterruptedException {
        return new ClosedLoopRun(label, file, settings).execute(pool, plan, cpu);
    }

    private EngineResult execute(AlignedBufferPool pool, OffsetPlan plan, CpuClock cpu) throws InterruptedException {
        if (pool.bufferSize() < block) {
            throw new IllegalArgumentException("pool buffers of " + pool.bufferSize() + " bytes are smaller than the "
                    + block + "-byte block");
        }
        List<Chain> chains = new ArrayList<>(settings.qd());
        try {
            for (int i = 0; i < settings.qd(); i++) {
                AlignedBuffer b = pool.tryLease();
                if (b == null) {
                    throw new IllegalStateException("buffer pool has only " + i + " free buffers; queue depth "
                            + settings.qd() + " needs one per in-flight transfer");
                }
                if (write) {
                    BenchFile.fillRandom(b);
                }
                chains.add(new Chain(b, plan.forChain(i)));
            }
            long start = System.nanoTime();
            measureStart = start + settings.warmupNanos();
            end = measureStart + settings.measureNanos();
            // The fields above are published to the engine threads by the submission of each chain's first transfer.
            for (Chain c : chains) {
                c.issue();
            }
            // Chains end on their own only at the end of the window, or early when one failed (then all stop).
            finished.await(measureStart - System.nanoTime(), TimeUnit.NANOSECONDS);
            long cpu0 = cpu.processCpuNanos();
            finished.await(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            long cpu1 = cpu.processCpuNanos();
            if (!finished.await(DRAIN_TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
                stop = true;
                throw new IllegalStateException(label + ": " + finished.getCount() + " of " + settings.qd()
                        + " transfers on " + file.path() + " did not complete within "
                        + TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NANOS) + " s after the end of the run");
            }
            Throwable err = failure.get();
            if (err != null) {
                String what = write ? "write" : "read";
                throw new IllegalStateException(label + ": " + what + " on " + file.path() + " failed: " + err, err);
            }
            long ops = 0;
            for (Chain c : chains) {
                ops += c.ops;
            }
            Histogram h = latencies.merged();
            double seconds = settings.measureNanos() / 1e9;
            double cpuUsPerOp = cpu0 < 0 || ops == 0 ? Double.NaN : (cpu1 - cpu0) / 1e3 / ops;
            return new EngineResult(label, settings.qd(), ops, seconds, ops / seconds,
                    ops * (double) block / Sizes.MIB / seconds,
                    percentileUs(h, 50), percentileUs(h, 99), percentileUs(h, 99.9), cpuUsPerOp);
        } finally {
            stop = true;
            for (Chain c : chains) {
                if (!c.buffer.isInFlight()) { // a hung transfer keeps its buffer: the kernel may still write it
                    c.buffer.release();
                }
            }
        }
    }

    private static double percentileUs(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }

    /** One in-flight slot: issues a transfer, and on its completion the next one, until the run ends. */
    private final class Chain implements Consumer<Integer> {
        private final AlignedBuffer buffer;
        private final LongSupplier offsets;
        private final Consumer<Throwable> onError = this::failed;
        private long issuedAt;
        private long offset;
        private long ops; // written by one completion at a time; read after the latch
        private boolean done;

        Chain(AlignedBuffer buffer, LongSupplier offsets) {
            this.buffer = buffer;
            this.offsets = offsets;
        }

        void issue() {
            offset = offsets.getAsLong();
            issuedAt = System.nanoTime();
            Mono<Integer> transfer = write ? file.write(offset, buffer, block) : file.read(offset, buffer, block);
            transfer.subscribe(this, onError);
        }

        /** A completion, on an engine thread. */
        @Override
        public void accept(Integer bytes) {
            long now = System.nanoTime();
            if (bytes != block) {
                failed(new IllegalStateException((write ? "short write" : "short read") + " at offset " + offset
                        + ": " + bytes + " of " + block + " bytes (is the file smaller than --size?)"));
                return;
            }
            if (now >= end || stop) {
                finish();
                return;
            }
            if (now >= measureStart) {
                ops++;
                latencies.record(now - issuedAt);
            }
            issue();
        }

        private void failed(Throwable error) {
            failure.compareAndSet(null, error);
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
