package io.strata.io.file;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import reactor.core.publisher.MonoSink;

/**
 * Engine SPI: hands a resource (an open file) to one MonoSink so that it is never lost to a cancel.
 *
 * <p>MonoSink runs its cancel hook only when it has not delivered a value and never will; a value passed to
 * {@code success} after the cancel began is dropped without reaching any discard hook. So whichever of "deliver"
 * and "cancel" comes second disposes of the resource.
 */
public final class Handoff<T> {
    private static final int PENDING = 0;
    private static final int DELIVERED = 1;
    private static final int CANCELLED = 2;
    private static final int RECLAIMED = 3;

    private final MonoSink<T> sink;
    private final Consumer<T> dispose;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private volatile T value;

    public Handoff(MonoSink<T> sink, Consumer<T> dispose) {
        this.sink = sink;
        this.dispose = dispose;
        sink.onCancel(this::cancel);
    }

    /** Delivers the resource, or disposes of it if the subscriber already left. */
    public void deliver(T resource) {
        value = resource;
        if (state.compareAndSet(PENDING, DELIVERED)) {
            sink.success(resource);
        } else {
            value = null;
            dispose.accept(resource);
        }
    }

    public void fail(Throwable error) {
        sink.error(error);
    }

    private void cancel() {
        if (!state.compareAndSet(PENDING, CANCELLED) && state.compareAndSet(DELIVERED, RECLAIMED)) {
            T v = value;
            value = null;
            if (v != null) {
                dispose.accept(v);
            }
        }
    }
}
