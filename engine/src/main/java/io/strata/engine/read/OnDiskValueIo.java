package io.strata.engine.read;

import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The IO future of one (key, LSN) blob (Neon's {@code OnDiskValueIo}): the layer that planned the read completes
 * it, exactly once, when the batched read holding the blob completes. {@link #UNNECESSARY} stands for reads of a
 * key that is already complete (sparse keys are read in every layer they appear in); its result is dropped.
 * Thread-safe: completion may come from an I/O thread while the read path is planning.
 */
public final class OnDiskValueIo {
    /** An IO nobody waits for. */
    public static final OnDiskValueIo UNNECESSARY = new OnDiskValueIo(null);

    private final Sinks.One<OnDiskValue> sink;
    private final AtomicReference<Runnable> onDone;

    private OnDiskValueIo(Runnable onDone) {
        this.sink = onDone == null ? null : Sinks.one();
        this.onDone = new AtomicReference<>(onDone);
    }

    static OnDiskValueIo required(Runnable onDone) {
        return new OnDiskValueIo(onDone);
    }

    public boolean isRequired() {
        return sink != null;
    }

    /** Delivers the value. Later completions are ignored. */
    public void complete(OnDiskValue value) {
        if (sink != null && done()) {
            sink.tryEmitValue(value);
        }
    }

    /** Delivers a failure (the read failed or the blob was corrupt). Later completions are ignored. */
    public void fail(Throwable error) {
        if (sink != null && done()) {
            sink.tryEmitError(error);
        }
    }

    public boolean isDone() {
        return sink == null || onDone.get() == null;
    }

    private boolean done() {
        Runnable r = onDone.getAndSet(null);
        if (r == null) {
            return false;
        }
        r.run();
        return true;
    }

    /** The value once completed. */
    Mono<OnDiskValue> result() {
        if (sink == null) {
            throw new IllegalStateException("nobody waits for an unnecessary IO");
        }
        return sink.asMono();
    }
}
