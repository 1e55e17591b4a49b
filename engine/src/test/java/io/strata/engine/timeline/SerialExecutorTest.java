package io.strata.engine.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Tasks run one at a time in order; synchronous ones do not grow the stack; a started task is not cancelled. */
class SerialExecutorTest {
    @Test
    void tasksRunInOrderOneAtATime() {
        SerialExecutor x = new SerialExecutor();
        Sinks.Empty<Void> gate = Sinks.empty();
        List<Integer> order = new ArrayList<>();
        Mono<Integer> first = x.submit(() -> gate.asMono().then(Mono.fromSupplier(() -> {
            order.add(1);
            return 1;
        }))).cache();
        first.subscribe();
        Mono<Integer> second = x.submit(() -> Mono.fromSupplier(() -> {
            order.add(2);
            return 2;
        })).cache();
        second.subscribe();
        assertEquals(List.of(), order, "the second waits for the first");
        assertEquals(1, x.queued());
        gate.tryEmitEmpty();
        assertEquals(2, second.block());
        assertEquals(List.of(1, 2), order);
    }

    @Test
    void aMillionSynchronousTasksDoNotOverflowTheStack() {
        SerialExecutor x = new SerialExecutor();
        long n = Flux.range(0, 1_000_000).concatMap(i -> x.submit(() -> Mono.just(i)), 0).count().block();
        assertEquals(1_000_000, n);
    }

    @Test
    void failuresGoToTheirSubscriberAndTheNextTaskRuns() {
        SerialExecutor x = new SerialExecutor();
        assertThrows(IllegalStateException.class, () -> x.submit(() -> Mono.error(new IllegalStateException("no")))
                .block());
        assertThrows(IllegalArgumentException.class, () -> x.submit(() -> {
            throw new IllegalArgumentException("thrown");
        }).block());
        assertEquals(3, x.submit(() -> Mono.just(3)).block());
    }
}
