package io.strata.engine.check;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.read.Page;
import io.strata.engine.timeline.GcCutoffException;
import io.strata.engine.timeline.Timeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;

/**
 * Reader threads that run while {@link ModelChecker} ingests, flushes, compacts and collects garbage: each loops
 * over random timelines, LSNs the model retains and key ranges, with single {@code get}s and {@code getVectored}s,
 * and compares every page with the model. A read may fail only with {@link GcCutoffException}, and only when GC
 * moved the timeline's applied cutoff past its LSN meanwhile; a missing key, a wrong page or any other error is a
 * failure, reported to the checker's thread by {@link #rethrow()}. Restarts wait for reads in flight (a lock).
 *
 * <p>Platform threads of their own: they block on each read, which is allowed there and nowhere in the engine.
 */
public final class ConcurrentReaders {
    private static final Duration T = Duration.ofSeconds(120);

    private final ModelChecker checker;
    private final int count;
    private final long seed;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<ModelCheckException> failure = new AtomicReference<>();
    private volatile boolean running;

    ConcurrentReaders(ModelChecker checker, int count, long seed) {
        this.checker = checker;
        this.count = count;
        this.seed = seed;
    }

    void start() {
        running = true;
        for (int i = 0; i < count; i++) {
            Random rnd = new Random(seed * 31 + i);
            Thread t = new Thread(() -> loop(rnd), "model-reader-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops the readers and waits for them; the first failure, if any, is thrown. */
    void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(T.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the model's readers", e);
            }
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop within " + T);
            }
        }
        threads.clear();
        rethrow();
    }

    /** Throws the first difference a reader found. */
    void rethrow() {
        ModelCheckException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    private void loop(Random rnd) {
        Lock lock = checker.readLock();
        while (running && failure.get() == null) {
            try {
                if (!lock.tryLock(50, TimeUnit.MILLISECONDS)) {
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                readOnce(rnd);
            } catch (ModelCheckException e) {
                failure.compareAndSet(null, e);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, checker.fail(Thread.currentThread().getName() + " failed: " + e, e));
            } finally {
                lock.unlock();
            }
        }
    }

    private void readOnce(Random rnd) {
        Oracle oracle = checker.oracle();
        List<TimelineModel> all = oracle.timelines();
        TimelineModel m = all.get(rnd.nextInt(all.size()));
        Timeline t = checker.timeline(m);
        Lsn tip = m.lastRecordLsn();
        Lsn low = ModelChecker.max(m.appliedCutoff(), m.startLsn());
        if (low.isAfter(tip)) {
            return;
        }
        Lsn lsn;
        if (rnd.nextBoolean()) {
            List<Lsn> ends = List.copyOf(m.checkpoints().subSet(low, true, tip, true));
            lsn = ends.isEmpty() ? tip : ends.get(rnd.nextInt(ends.size()));
        } else {
            lsn = Lsn.of(low.value() + rnd.nextLong(tip.value() - low.value() + 1));
        }
        // the model below the tip it had when the LSN was chosen does not change while this read runs
        if (!m.guaranteed(lsn)) {
            return;
        }
        List<Key> keys = oracle.keys();
        if (rnd.nextBoolean()) {
            Key k = keys.get(rnd.nextInt(keys.size()));
            Optional<byte[]> expected = m.page(k, lsn);
            if (expected.isEmpty()) {
                return;
            }
            byte[] got;
            try {
                got = t.get(k, lsn).block(T);
            } catch (RuntimeException e) {
                refused(m, t, k, lsn, e);
                return;
            }
            compare(m, k, lsn, expected.get(), got, "concurrent read");
            checker.stats().concurrentPages.increment();
            return;
        }
        int a = rnd.nextInt(keys.size());
        int b = a + 1 + rnd.nextInt(keys.size() - a);
        TreeMap<Key, byte[]> expected = new TreeMap<>();
        for (Key k : keys.subList(a, b)) {
            m.page(k, lsn).ifPresent(p -> expected.put(k, p));
        }
        if (expected.isEmpty()) {
            return;
        }
        KeySpace.Builder ks = KeySpace.builder();
        expected.keySet().forEach(ks::add);
        List<Page> pages;
        try {
            pages = t.getVectored(ks.build(), lsn).collectList().block(T);
        } catch (RuntimeException e) {
            refused(m, t, null, lsn, e);
            return;
        }
        if (pages.size() != expected.size()) {
            throw checker.fail("timeline " + m + ", LSN " + lsn + ": concurrent vectored read of "
                    + expected.size() + " keys returned " + pages.size() + " pages", null);
        }
        for (Page p : pages) {
            compare(m, p.key(), lsn, expected.get(p.key()), p.bytes(), "concurrent vectored read");
        }
        checker.stats().concurrentPages.add(pages.size());
    }

    /** Only a GC cutoff that moved past the LSN during the read may refuse it. */
    private void refused(TimelineModel m, Timeline t, Key k, Lsn lsn, RuntimeException e) {
        Throwable cause = ModelChecker.unwrap(e);
        if (cause instanceof GcCutoffException && lsn.isBefore(t.appliedGcCutoffLsn())) {
            checker.stats().concurrentRefusals.increment();
            return;
        }
        throw checker.fail("timeline " + m + (k == null ? "" : ", key " + k) + ", LSN " + lsn
                + ": concurrent read failed (applied cutoff now " + t.appliedGcCutoffLsn() + "): " + cause, e);
    }

    private void compare(TimelineModel m, Key k, Lsn lsn, byte[] expected, byte[] actual, String what) {
        if (!Arrays.equals(expected, actual)) {
            throw checker.fail("timeline " + m + ", key " + k + ", LSN " + lsn + ": " + what
                    + " returned a different page\n  expected: " + ModelChecker.show(expected) + "\n  actual:   "
                    + ModelChecker.show(actual), null);
        }
    }
}
