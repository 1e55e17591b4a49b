package io.strata.engine.timeline;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Waiting, without a thread, for a value to satisfy a condition (Neon's {@code tokio::sync::watch} and
 * {@code SeqWait}): the value is read from its owner ({@code source}) whenever it may have changed, so a stale
 * notification can never overwrite a newer value. The owner calls {@link #changed()} after every change.
 *
 * @param <T> the watched value
 */
final class Watch<T> {
    private final Supplier<T> source;
    private final ConcurrentLinkedQueue<Waiter<T>> waiters = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<FluxSink<T>> listeners = new ConcurrentLinkedQueue<>();
    private volatile Throwable closed;

    Watch(Supplier<T> source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    T get() {
        return source.get();
    }

    /**
     * Completes with the value once {@code condition} holds (at once if it holds now); fails once the watch is
     * closed. Cancelling stops waiting.
     */
    Mono<T> waitFor(Predicate<? super T> condition) {
        Objects.requireNonNull(condition, "condition");
        return Mono.create(sink -> {
            Waiter<T> w = new Waiter<>(condition, sink);
            waiters.add(w); // registered before the first check: a change between the two is not lost
            sink.onCancel(() -> waiters.remove(w));
            check(w);
        });
    }

    /** The current value, then the value after each change (consecutive duplicates left out), until closed. */
    Flux<T> values() {
        return Flux.<T>create(sink -> { // create() serializes next() calls from concurrent changes
            listeners.add(sink);
            sink.onDispose(() -> listeners.remove(sink));
            Throwable c = closed;
            if (c != null) {
                sink.error(c);
                return;
            }
            sink.next(source.get());
        }).distinctUntilChanged();
    }

    /** Re-checks every waiter against the current value. */
    void changed() {
        for (Waiter<T> w : waiters) {
            check(w);
        }
        if (!listeners.isEmpty()) {
            T v = source.get();
            for (FluxSink<T> l : listeners) {
                l.next(v);
            }
        }
    }

    /** Fails every waiter, present and future, with {@code cause}. Idempotent (the first cause stays). */
    void close(Throwable cause) {
        if (closed == null) {
            closed = cause;
        }
        for (Waiter<T> w : waiters) {
            check(w);
        }
        for (FluxSink<T> l : listeners) {
            l.error(closed);
        }
    }

    private void check(Waiter<T> w) {
        Throwable c = closed;
        if (c != null) {
            if (w.done.compareAndSet(false, true)) {
                waiters.remove(w);
                w.sink.error(c);
            }
            return;
        }
        T v = source.get();
        boolean ok;
        try {
            ok = w.condition.test(v);
        } catch (RuntimeException e) {
            if (w.done.compareAndSet(false, true)) {
                waiters.remove(w);
                w.sink.error(e);
            }
            return;
        }
        if (ok && w.done.compareAndSet(false, true)) {
            waiters.remove(w);
            w.sink.success(v);
        }
    }

    private record Waiter<T>(Predicate<? super T> condition, MonoSink<T> sink, AtomicBoolean done) {
        Waiter(Predicate<? super T> condition, MonoSink<T> sink) {
            this(condition, sink, new AtomicBoolean());
        }
    }
}
