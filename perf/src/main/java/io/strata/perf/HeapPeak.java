package io.strata.perf;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peak Java heap in use during a measured section, above the level at its start (after a GC): a daemon thread
 * samples it every 5 ms. Garbage counts until collected, so this is an upper bound of what the work holds.
 */
final class HeapPeak {
    private final MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    private final long before;
    private final AtomicLong peak;
    private final Thread sampler;

    private HeapPeak() {
        System.gc();
        before = mem.getHeapMemoryUsage().getUsed();
        peak = new AtomicLong(before);
        sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    static HeapPeak start() {
        return new HeapPeak();
    }

    /** Stops sampling; the peak heap above the start, in bytes. */
    long stop() throws InterruptedException {
        sampler.interrupt();
        sampler.join();
        return Math.max(0, peak.get() - before);
    }
}
