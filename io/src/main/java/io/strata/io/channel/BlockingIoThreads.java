package io.strata.io.channel;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed set of threads for blocking file calls whose {@link #execute} never blocks the caller. The JDK's
 * thread pools hand tasks over through a lock (LinkedBlockingQueue), which may park an event-loop or Reactor
 * thread under contention; here submission is a lock-free queue offer plus an unpark, and only the workers
 * themselves park.
 */
final class BlockingIoThreads {
    private static final Logger log = LoggerFactory.getLogger(BlockingIoThreads.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Queue<Thread> idle = new ConcurrentLinkedQueue<>();
    private final Thread[] workers;
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean shutdown;

    BlockingIoThreads(String name, int threads) {
        this.workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::work, name + "-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
        }
        running.set(threads);
        for (Thread t : workers) {
            t.start();
        }
    }

    void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("blocking I/O threads are shut down");
        }
        tasks.offer(task);
        Thread t = idle.poll();
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void work() {
        Thread self = Thread.currentThread();
        try {
            while (true) {
                Runnable r = tasks.poll();
                if (r != null) {
                    try {
                        r.run();
                    } catch (Throwable e) {
                        log.error("blocking I/O task failed", e);
                    }
                    continue;
                }
                if (shutdown) {
                    return;
                }
                // Announce idleness, then look again: a task offered before the announcement is seen by the
                // second poll, one offered after it finds this thread in the idle queue and unparks it.
                idle.offer(self);
                if (!tasks.isEmpty() || shutdown) {
                    idle.remove(self);
                    continue;
                }
                LockSupport.park(this);
                idle.remove(self);
            }
        } finally {
            running.decrementAndGet();
        }
    }

    /** Stops taking tasks, lets queued ones finish, and waits up to {@code timeout} for the threads to end. */
    boolean shutdown(long timeout, TimeUnit unit) {
        shutdown = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : workers) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return running.get() == 0;
    }
}
