package io.netty.channel.uring;

import io.netty.channel.IoRegistration;
import java.lang.reflect.Field;

/**
 * Lets Strata's ring hand queued submission entries to the kernel right away, from inside a completion.
 *
 * <p>Why: Netty submits the entries queued while it processes a burst of completions only after the whole burst.
 * A read issued from the first completion of a burst of 30 therefore waits for the other 29 callbacks before it
 * reaches the disk, which costs queue depth (fio submits each read at once). Netty 4.2 has no public call for an
 * early submit; {@code SubmissionQueue.submit()} is package-private, hence this class in Netty's package (the same
 * class loader, so package access holds on the class path). If Netty's internals change, {@link #forRegistration}
 * returns null and Strata keeps Netty's own submission timing.
 */
public final class StrataSubmissions {
    private static final Field RING_BUFFER = ringBufferField();

    private final SubmissionQueue queue;

    private StrataSubmissions(SubmissionQueue queue) {
        this.queue = queue;
    }

    private static Field ringBufferField() {
        try {
            Field f = IoUringIoHandler.class.getDeclaredField("ringBuffer");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Early submission for the ring behind {@code registration}, or null where Netty does not allow it. */
    public static StrataSubmissions forRegistration(IoRegistration registration) {
        if (RING_BUFFER == null) {
            return null;
        }
        try {
            Object handler = registration.attachment();
            if (!(handler instanceof IoUringIoHandler)) {
                return null;
            }
            RingBuffer ring = (RingBuffer) RING_BUFFER.get(handler);
            return new StrataSubmissions(ring.ioUringSubmissionQueue());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Entries queued and not yet handed to the kernel; on the ring's loop thread only. */
    public int queued() {
        return queue.count();
    }

    /** Submits every queued entry now (one io_uring_enter without waiting); on the ring's loop thread only. */
    public int submitQueued() {
        return queue.count() > 0 ? queue.submit() : 0;
    }
}
