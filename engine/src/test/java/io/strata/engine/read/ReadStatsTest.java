package io.strata.engine.read;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Gets recorded from many threads at once (more than there are stripes) all show in one snapshot. */
class ReadStatsTest {
    @Test
    void aSnapshotAddsUpEveryThreadsGets() throws Exception {
        ReadStats stats = new ReadStats();
        int threads = 4 * Runtime.getRuntime().availableProcessors() + 3;
        int perThread = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int layers = t + 1; // thread t always visits t + 1 layers
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    stats.onGet(1, layers, layers - 1, 1, 2_000);
                }
            });
            th.start();
            all.add(th);
        }
        start.countDown();
        for (Thread th : all) {
            th.join();
        }
        ReadStats.Snapshot s = stats.snapshot();
        long gets = (long) threads * perThread;
        assertEquals(gets, s.layersVisited().count());
        assertEquals(gets, s.latencyMicros().count());
        assertEquals(threads, s.layersVisited().max());
        assertEquals(threads - 1, s.deltaLayersVisited().max());
        assertEquals((threads + 1) / 2.0, s.layersVisited().mean(), 0.05 * threads); // 2 significant digits
        assertEquals(2, s.latencyMicros().p50());
        assertEquals(1, s.ios().max());
    }
}
