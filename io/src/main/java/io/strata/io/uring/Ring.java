package io.strata.io.uring;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.StrataSubmissions;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One io_uring ring on its own Netty event loop. Everything here is confined to that loop: the slot table that
 * maps a completion's 16-bit data to its operation, the free-slot stack, and the queue of operations waiting
 * for a slot when {@code maxInFlight} are already in the kernel. Callers on other threads hop onto the loop
 * once per submission batch.
 */
final class Ring implements IoUringIoHandle {
    private static final Logger log = LoggerFactory.getLogger(Ring.class);

    private final int index;
    private final IoEventLoop loop;
    private final UringOp[] slots;
    private final int[] freeSlots;
    private int freeTop;
    private final ArrayDeque<UringOp> waiting = new ArrayDeque<>();
    private IoRegistration registration;
    /** Early submission (see {@link StrataSubmissions}): on by default, {@code false} turns it off. */
    static final String EARLY_SUBMIT_PROPERTY = "strata.io.uring.earlySubmit";

    /** Null when off or when Netty does not allow an early submit: entries then go in after the completion burst. */
    private StrataSubmissions early;
    private boolean closed;
    /** Inside {@link #submitAllOnLoop}: an operation that goes at once waits for the batch's last entry. */
    private boolean batching;
    private boolean batchWantsSubmit;
    /** Poll mode only: when an operation was last submitted or completed (System.nanoTime), else unused. */
    private final boolean tracksActivity;
    private long lastActivityNanos;
    // Loop-confined counters, read racily for statistics.
    private long submitted;
    private long completed;

    Ring(int index, IoEventLoop loop, int maxInFlight, boolean tracksActivity) {
        this.index = index;
        this.loop = loop;
        this.tracksActivity = tracksActivity;
        this.slots = new UringOp[maxInFlight];
        this.freeSlots = new int[maxInFlight];
        for (int i = 0; i < maxInFlight; i++) {
            freeSlots[i] = maxInFlight - 1 - i;
        }
        this.freeTop = maxInFlight;
    }

    void register() throws Exception {
        this.registration = loop.register(this).sync().getNow();
        // On by default. (It was off for a while: a contract test leaked a buffer with it on, more often than
        // without; the leak was the test's lambda subscriber dropping a value delivered as it was disposed.)
        if (Boolean.parseBoolean(System.getProperty(EARLY_SUBMIT_PROPERTY, "true"))) {
            this.early = StrataSubmissions.forRegistration(registration);
        }
    }

    IoEventLoop loop() {
        return loop;
    }

    int index() {
        return index;
    }

    boolean inLoop() {
        return loop.inEventLoop();
    }

    /** Submits one operation; from the loop directly, from elsewhere in one loop task. */
    void submit(UringOp op) {
        if (loop.inEventLoop()) {
            submitOnLoop(op);
            return;
        }
        try {
            loop.execute(() -> submitOnLoop(op));
        } catch (RejectedExecutionException e) {
            op.fail(new IllegalStateException("io_uring ring " + index + " is shut down", e));
        }
    }

    /** Submits many operations in one loop hop: one task, many submission entries, one io_uring_enter. */
    void submitAll(List<? extends UringOp> ops) {
        if (loop.inEventLoop()) {
            submitAllOnLoop(ops);
            return;
        }
        try {
            loop.execute(() -> submitAllOnLoop(ops));
        } catch (RejectedExecutionException e) {
            IllegalStateException err = new IllegalStateException("io_uring ring " + index + " is shut down", e);
            for (UringOp op : ops) {
                op.fail(err);
            }
        }
    }

    /** Queues every operation, then hands those that go at once to the kernel together (one io_uring_enter). */
    private void submitAllOnLoop(List<? extends UringOp> ops) {
        batching = true;
        try {
            for (int i = 0; i < ops.size(); i++) {
                submitOnLoop(ops.get(i));
            }
        } finally {
            batching = false;
        }
        if (batchWantsSubmit) {
            batchWantsSubmit = false;
            submitNow();
        }
    }

    private void submitOnLoop(UringOp op) {
        if (op.cancelledBeforeSubmit()) {
            return;
        }
        if (closed) {
            op.fail(new IllegalStateException("io_uring ring " + index + " is closed"));
            return;
        }
        if (freeTop == 0) {
            waiting.addLast(op);
            return;
        }
        int slot = freeSlots[--freeTop];
        slots[slot] = op;
        try {
            long id = registration.submit(op.toIoOps((short) slot));
            if (id == -1) { // IoRegistration.INVALID_ID: the registration was cancelled
                throw new IllegalStateException("io_uring registration of ring " + index + " is no longer valid");
            }
            submitted++;
            if (tracksActivity) {
                lastActivityNanos = System.nanoTime();
            }
        } catch (RuntimeException e) {
            slots[slot] = null;
            freeSlots[freeTop++] = slot;
            op.fail(e);
            return;
        }
        if (early != null && op.submitAtOnce()) {
            if (batching) {
                batchWantsSubmit = true; // with the rest of the batch
            } else {
                submitNow();
            }
        }
    }

    /**
     * Hands the queued entries to the kernel now. If that fails they stay queued, and Netty's own submit at the end
     * of the loop iteration carries them (or reports the ring's failure).
     */
    private void submitNow() {
        try {
            early.submitQueued();
        } catch (RuntimeException e) {
            log.debug("ring {}: early submit failed, the entries go with the loop's next submit: {}", index,
                    e.toString());
        }
    }

    /**
     * A completion, on the loop: free the slot, let the operation finish (or re-arm it after a short transfer),
     * then give freed slots to waiting operations.
     */
    @Override
    public void handle(IoRegistration reg, IoEvent event) {
        IoUringIoEvent e = (IoUringIoEvent) event;
        int slot = (int) (e.userData() & 0xFFFF);
        UringOp op = slot < slots.length ? slots[slot] : null;
        completed++;
        if (tracksActivity) {
            lastActivityNanos = System.nanoTime();
        }
        if (op == null) {
            // Not ours (or a duplicate): the slot is not pushed back, or two operations could share it and one of
            // them would never see its completion.
            log.warn("ring {}: completion for empty slot {} (res={}, opcode={})", index, slot, e.res(), e.opcode());
        } else {
            slots[slot] = null;
            freeSlots[freeTop++] = slot;
            boolean done;
            try {
                done = op.complete(e.res());
            } catch (RuntimeException ex) {
                log.error("ring {}: completion handler failed", index, ex);
                done = true;
            }
            if (!done) {
                submitOnLoop(op);
            }
        }
        while (freeTop > 0 && !waiting.isEmpty()) {
            submitOnLoop(waiting.pollFirst());
        }
        if (early != null) {
            submitNow(); // what this completion's callbacks queued goes to the disk now
        }
    }

    /**
     * Poll mode: whether the loop should reap without sleeping, that is while operations are in the kernel and the
     * last submission or completion is less than {@code pollNanos} old (a device that stalls longer is waited for
     * asleep). Loop only.
     */
    boolean wantsPoll(long pollNanos) {
        return freeTop < slots.length && System.nanoTime() - lastActivityNanos < pollNanos;
    }

    /** Submission entries queued on this ring and not yet given to the kernel (-1 without early submit); loop only. */
    int queuedEntries() {
        return early == null ? -1 : early.queued();
    }

    /** Whether entries queued by a completion go to the kernel at once (see StrataSubmissions). */
    boolean earlySubmit() {
        return early != null;
    }

    long submittedOps() {
        return submitted;
    }

    long completedOps() {
        return completed;
    }

    /** Operations in the kernel now (loop-confined; approximate from other threads). */
    int inFlight() {
        return slots.length - freeTop;
    }

    @Override
    public void close() {
        closed = true;
        IllegalStateException err = new IllegalStateException("io_uring ring " + index + " closed");
        UringOp op;
        while ((op = waiting.pollFirst()) != null) {
            op.fail(err);
        }
    }
}
