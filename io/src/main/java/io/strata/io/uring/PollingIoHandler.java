package io.strata.io.uring;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Poll mode of a ring's loop ({@code IoConfig.pollMicros}): wraps Netty's io_uring handler and, while the loop's
 * {@link Ring} wants it, runs it as if tasks were pending, so Netty reaps the completion queue without sleeping in
 * io_uring_enter. A spin finds nothing cheaply: Netty enters the kernel only when entries are queued or the kernel
 * flags deferred completions (IORING_SQ_TASKRUN), otherwise it reads the rings' shared memory and returns.
 *
 * <p>Why: a loop that sleeps is woken for each burst of completions; on a virtual machine whose idle vCPUs halt,
 * that wake-up costs tens of microseconds per burst, and at moderate queue depths it is a visible share of a
 * read's latency. Polling keeps the vCPU running instead, at the price of a busy core while I/O is in flight.
 *
 * <p>A poll that reaped nothing yields the thread ({@code sched_yield}). Without that, getpage's p99 at queue depth
 * 32 was 2.6-3.4 ms instead of 0.9-1.7 ms: with both cores spinning, another runnable thread took a loop's core for a
 * whole time slice while its completions waited. Gets/s did not change.
 */
final class PollingIoHandler implements IoHandler {
    private final IoHandler netty;
    private final long pollNanos;
    /** Set once the loop's ring is registered; until then the loop runs as Netty's handler alone. */
    private volatile Ring ring;
    private IoHandlerContext outer;
    // Loop-confined counters, read racily for statistics and tests.
    private long polls;
    private final IoHandlerContext polling = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return false;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return outer.delayNanos(currentTimeNanos);
        }

        @Override
        public long deadlineNanos() {
            return outer.deadlineNanos();
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            outer.reportActiveIoTime(activeNanos);
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            return outer.shouldReportActiveIoTime();
        }
    };

    private PollingIoHandler(IoHandler netty, long pollNanos) {
        this.netty = netty;
        this.pollNanos = pollNanos;
    }

    /**
     * Netty's factory, each handler it makes wrapped for polling and recorded in {@code byLoop} under its loop, so
     * the engine can attach the loop's ring once registered.
     */
    static IoHandlerFactory wrap(IoHandlerFactory netty, long pollNanos, Map<Executor, PollingIoHandler> byLoop) {
        return executor -> {
            PollingIoHandler h = new PollingIoHandler(netty.newHandler(executor), pollNanos);
            byLoop.put(executor, h);
            return h;
        };
    }

    void attach(Ring r) {
        this.ring = r;
    }

    /** Loop iterations run without sleeping because the ring had I/O in flight (racy outside the loop). */
    long polls() {
        return polls;
    }

    @Override
    public void initialize() {
        netty.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        Ring r = ring;
        if (r != null && context.canBlock() && r.wantsPoll(pollNanos)) {
            polls++;
            outer = context;
            int n = netty.run(polling);
            if (n == 0) {
                yieldCore();
            }
            return n;
        }
        return netty.run(context);
    }

    /**
     * A poll found nothing yet: let any other runnable thread (GC, JIT, the host's own) have the core now, in the gaps,
     * rather than preempt this loop later for a whole time slice while completions wait. BlockHound counts
     * {@code Thread.yield} as blocking; {@link PollModeBlockHoundIntegration} allows it here and only here.
     */
    static void yieldCore() {
        Thread.yield();
    }

    @Override
    public void prepareToDestroy() {
        netty.prepareToDestroy();
    }

    @Override
    public void destroy() {
        netty.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return netty.register(handle);
    }

    @Override
    public void wakeup() {
        netty.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return netty.isCompatible(handleType);
    }
}
