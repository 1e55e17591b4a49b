package io.strata.examples.service;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Requests being handled, and the switch that stops new ones from starting (shutdown's drain). */
final class InFlight {
    private static final Duration POLL = Duration.ofMillis(10);
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();

    /** False once draining: the request must be refused. */
    boolean enter() {
        count.incrementAndGet();
        if (draining.get()) {
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    void exit() {
        count.decrementAndGet();
    }

    int count() {
        return count.get();
    }

    /** Refuses new requests from now on; completes when the ones in flight ended, or emits false after {@code max}. */
    Mono<Boolean> drain(Duration max) {
        draining.set(true);
        return Flux.interval(Duration.ZERO, POLL)
                .filter(n -> count.get() == 0)
                .next()
                .map(n -> true)
                .timeout(max, Mono.just(false));
    }
}
