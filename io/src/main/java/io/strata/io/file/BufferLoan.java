package io.strata.io.file;

import io.strata.io.buffer.AlignedBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import reactor.core.publisher.MonoSink;

/**
 * Engine SPI: a buffer lent to one asynchronous transfer whose result goes to a MonoSink.
 *
 * <p>Who releases the buffer under cancellation: whichever of "completion" and "cancel" comes second. MonoSink
 * calls onCancel only when it has not delivered a value, so a cancel after delivery leaves the buffer with the
 * caller, and a completion after a cancel releases it here.
 */
public final class BufferLoan {
    private static final int PENDING = 0;
    private static final int COMPLETED = 1;
    private static final int CANCELLED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(BufferLoan.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AlignedBuffer buffer;
    private final MonoSink<Integer> sink;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    /** Marks the buffer in flight (refusing one already in use) and hooks the sink's cancel. */
    public BufferLoan(AlignedBuffer buffer, String operation, Object target, MonoSink<Integer> sink) {
        buffer.beginIo(operation, target);
        this.buffer = buffer;
        this.sink = sink;
        sink.onCancel(this::cancel);
    }

    public AlignedBuffer buffer() {
        return buffer;
    }

    private void cancel() {
        if (!STATE.compareAndSet(this, PENDING, CANCELLED)) {
            // Completed, but the sink dropped the value because the cancel won there: the buffer is ours.
            buffer.release();
        }
    }

    /** Before submission: if the subscriber already left, release the buffer and report true (do not submit). */
    public boolean dropIfCancelled() {
        if ((int) STATE.getVolatile(this) == CANCELLED) {
            buffer.endIo();
            buffer.release();
            return true;
        }
        return false;
    }

    /** The kernel is done; deliver the byte count, or release the buffer if the subscriber left. */
    public void succeeded(int bytes) {
        buffer.endIo();
        if (STATE.compareAndSet(this, PENDING, COMPLETED)) {
            sink.success(bytes);
        } else {
            buffer.release();
        }
    }

    /** The kernel is done; deliver the error, or release the buffer if the subscriber left. */
    public void failed(Throwable error) {
        buffer.endIo();
        if (STATE.compareAndSet(this, PENDING, COMPLETED)) {
            sink.error(error);
        } else {
            buffer.release();
        }
    }
}
