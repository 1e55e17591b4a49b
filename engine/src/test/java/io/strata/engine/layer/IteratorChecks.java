package io.strata.engine.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBufferPool;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Checks every layer iterator must pass: Neon's batch sizes, and cancellation without leaked buffers. */
public final class IteratorChecks {
    /** Neon's {@code image_layer_iterator}/{@code delta_layer_iterator} parameters. */
    public static final long[] NEON_MAX_READ_SIZES = {1, 1024};
    public static final int[] NEON_BATCH_SIZES = {1, 2, 4, 8, 3, 7, 13};

    private IteratorChecks() {
    }

    /**
     * As Neon: the first three batches hold one value each when the read size is 1 (every value is larger), else
     * at most {@code batchSize}.
     */
    public static void assertFirstBatches(Flux<List<LayerEntry>> batches, long maxReadSize, int batchSize, int n) {
        List<List<LayerEntry>> first = batches.take(3).collectList().block(LayerTestSupport.T);
        int items = 0;
        for (List<LayerEntry> batch : first) {
            items += batch.size();
            if (maxReadSize == 1) {
                assertEquals(1, batch.size(), "max read size 1: one value per read");
            } else {
                assertTrue(batch.size() <= batchSize && !batch.isEmpty(), "batch of " + batch.size()
                        + " values with max batch count " + batchSize);
            }
        }
        assertEquals(Math.min(3, n), first.size(), "batches taken");
        assertTrue(items > 0);
    }

    /**
     * Cancels {@code iterations} iterations at random points, by take() and by dispose() from another thread
     * while reads are in flight, then waits until the pool has every buffer back and asserts it leaked none.
     */
    public static void cancelAtRandomPoints(Supplier<Flux<LayerEntry>> iterator, int total, AlignedBufferPool pool,
                                            long seed, int iterations) throws InterruptedException {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < iterations; i++) {
            if (i % 2 == 0) {
                int k = 1 + rnd.nextInt(total);
                assertEquals(k, iterator.get().take(k).count().block(LayerTestSupport.T));
            } else {
                Disposable d = iterator.get().subscribeOn(Schedulers.parallel()).subscribe();
                Thread.sleep(rnd.nextInt(3));
                d.dispose();
            }
        }
        awaitAllReturned(pool, Duration.ofSeconds(10));
        pool.assertNoLeaks();
    }

    /** Reads cancelled in flight give their buffers back when the kernel is done: wait for that. */
    public static void awaitAllReturned(AlignedBufferPool pool, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pool.available() < pool.capacity() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /**
     * Waits until every buffer has been back in {@code pool} for 100 ms without a break: an iterator reading ahead
     * leases and returns a buffer per hop, so the pool can look full between two hops. Returns whether it settled.
     */
    public static boolean awaitAllReturnedAndSettled(AlignedBufferPool pool, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int full = 0;
        while (full < 20 && System.nanoTime() < deadline) {
            full = pool.available() == pool.capacity() ? full + 1 : 0;
            Thread.sleep(5);
        }
        return full >= 20;
    }
}
