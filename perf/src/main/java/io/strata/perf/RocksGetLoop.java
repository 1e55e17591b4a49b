package io.strata.perf;

import io.strata.engine.key.Lsn;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * getpage's closed loop on RocksDB: {@code qd} threads, each seeking its own iterator to {@code key ‖ ~lsn} for a
 * random key and checking the page's stamp, then the next. RocksDB's Java API is blocking, so a queue depth of
 * {@code qd} needs {@code qd} threads (Strata keeps them in flight on its event loops instead).
 */
final class RocksGetLoop {
    private final RocksPeer peer;
    private final GetPageDataset data;
    private final int keys;

    RocksGetLoop(RocksPeer peer, GetPageDataset data, int keys) {
        this.peer = peer;
        this.data = data;
        this.keys = keys;
    }

    GetPageLoop.Result run(int qd, long warmupNanos, long measureNanos, long seed, CpuClock clock)
            throws InterruptedException {
        LatencyRecorder latencies = new LatencyRecorder();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long measureStart = start + warmupNanos;
        long end = measureStart + measureNanos;
        long[] gets = new long[qd];
        CountDownLatch done = new CountDownLatch(qd);
        Lsn lsn = data.readLsn();
        for (int t = 0; t < qd; t++) {
            int id = t;
            SplittableRandom random = new SplittableRandom(seed * 1000 + t);
            Thread thread = new Thread(() -> {
                try (ReadOptions ro = RocksPeer.pointReadOptions(); RocksIterator it = peer.iterator(ro)) {
                    while (failure.get() == null) {
                        int key = random.nextInt(keys);
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        byte[] want = RocksPeer.versionKey(GetPageDataset.key(key), lsn);
                        it.seek(want);
                        it.status();
                        if (!it.isValid() || !RocksPeer.sameKey(it.key(), want)) {
                            throw new IllegalStateException("rocksdb: no version of key " + GetPageDataset.key(key)
                                    + " at or below lsn " + lsn + " in " + peer.dir());
                        }
                        byte[] page = it.value();
                        long now = System.nanoTime();
                        long stamp = GetPageDataset.stamp(key, data.layerOf(key));
                        if (page.length != GetPageDataset.PAGE || GetPageDataset.stampOf(page) != stamp) {
                            throw new IllegalStateException("rocksdb: wrong page for key " + GetPageDataset.key(key)
                                    + ": stamp " + Long.toHexString(GetPageDataset.stampOf(page)) + ", expected "
                                    + Long.toHexString(stamp));
                        }
                        if (t0 >= measureStart) {
                            gets[id]++;
                            latencies.record(now - t0);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "rocksdb-get-" + t);
            thread.setDaemon(true);
            thread.start();
        }
        done.await(Math.max(0, measureStart - System.nanoTime()), TimeUnit.NANOSECONDS);
        long cpu0 = clock.processCpuNanos();
        done.await(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        long cpu1 = clock.processCpuNanos();
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(done.getCount() + " of " + qd + " rocksdb get threads did not stop "
                    + "within 30 s after the end of the run");
        }
        Throwable err = failure.get();
        if (err != null) {
            throw new IllegalStateException("rocksdb get failed: " + err.getMessage(), err);
        }
        long total = 0;
        for (long g : gets) {
            total += g;
        }
        Histogram h = latencies.merged();
        double seconds = measureNanos / 1e9;
        return new GetPageLoop.Result(qd, total, seconds, total / seconds, pct(h, 50), pct(h, 99), pct(h, 99.9),
                cpu0 < 0 || total == 0 ? Double.NaN : (cpu1 - cpu0) / 1e3 / total);
    }

    private static double pct(Histogram h, double p) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1e3;
    }
}
