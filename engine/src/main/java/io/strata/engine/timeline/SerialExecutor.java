package io.strata.engine.timeline;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Runs asynchronous tasks one at a time, in submission order: the Reactor counterpart of holding a
 * {@code tokio::sync::Mutex} across awaits (Neon's timeline write guard and layer-manager lock). No thread ever
 * waits: a task submitted while another runs is queued and started when the running one terminates.
 *
 * <p>A task, once started, runs to its end even if its subscriber cancels (the write side never stops half-way
 * between, say, appending values and indexing them); cancelling only stops waiting for the result. A task
 * cancelled before it started is skipped. Tasks that complete synchronously are drained in a loop, not by
 * recursion, so a long run of them cannot overflow the stack.
 */
public final class SerialExecutor {
    private final ConcurrentLinkedQueue<Task<?>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    /** True from a task's start to its termination; written by the drain loop and by the task's end. */
    private volatile boolean busy;

    /** Runs {@code task} once every task submitted before it has terminated; emits what it emits. */
    public <T> Mono<T> submit(Supplier<Mono<T>> task) {
        Objects.requireNonNull(task, "task");
        return Mono.create(sink -> {
            Task<T> t = new Task<>(task, sink);
            sink.onCancel(() -> t.cancelled = true);
            queue.add(t);
            drain();
        });
    }

    /** Tasks waiting (not counting the running one). */
    public int queued() {
        return queue.size();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            while (!busy) {
                Task<?> t = queue.poll();
                if (t == null) {
                    break;
                }
                if (t.cancelled) {
                    continue;
                }
                busy = true;
                t.start(this::finished);
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void finished() {
        busy = false;
        drain();
    }

    private static final class Task<T> {
        private final Supplier<Mono<T>> body;
        private final MonoSink<T> sink;
        volatile boolean cancelled;

        Task(Supplier<Mono<T>> body, MonoSink<T> sink) {
            this.body = body;
            this.sink = sink;
        }

        void start(Runnable onEnd) {
            Mono<T> m;
            try {
                m = Objects.requireNonNull(body.get(), "task returned null");
            } catch (Throwable e) {
                onEnd.run();
                sink.error(e);
                return;
            }
            // The result goes to the subscriber before the next task starts, so that a caller chaining its next
            // submission on this result queues behind nothing it did not ask for.
            // success() after success(value) is not a no-op everywhere: a MonoSink whose subscriber has not
            // requested yet (concatMap without prefetch) then drops the value. Complete only when empty.
            boolean[] emitted = {false};
            m.subscribe(v -> {
                emitted[0] = true;
                sink.success(v);
            }, e -> {
                sink.error(e);
                onEnd.run();
            }, () -> {
                if (!emitted[0]) {
                    sink.success();
                }
                onEnd.run();
            });
        }
    }
}
