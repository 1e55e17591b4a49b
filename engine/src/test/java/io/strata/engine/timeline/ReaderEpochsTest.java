package io.strata.engine.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** A retired layer is cleaned up only once every read that entered before its retirement has ended. */
class ReaderEpochsTest {
    @Test
    void cleanupWaitsForOlderReadsOnly() {
        ReaderEpochs e = new ReaderEpochs();
        List<String> done = new ArrayList<>();
        ReaderEpochs.Epoch r1 = e.enter();
        e.retire("a", () -> Mono.fromRunnable(() -> done.add("a"))).block();
        assertEquals(List.of(), done, "r1 may hold a");
        ReaderEpochs.Epoch r2 = e.enter(); // entered after a's retirement: cannot see it
        e.retire("b", () -> Mono.fromRunnable(() -> done.add("b"))).block();
        assertEquals(2, e.pending());
        e.exit(r1);
        assertEquals(List.of("a"), done, "a is free once r1 ended; b waits for r2");
        e.exit(r2);
        assertEquals(List.of("a", "b"), done);
        assertEquals(0, e.pending());
        assertEquals(0, e.activeReads());
    }

    @Test
    void withoutReadsTheCleanupRunsWithTheRetirement() {
        ReaderEpochs e = new ReaderEpochs();
        List<String> done = new ArrayList<>();
        Mono<Void> m = e.retire("x", () -> Mono.fromRunnable(() -> done.add("x")));
        assertEquals(List.of("x"), done, "started by the retirement, whether or not anyone waits");
        m.block();
        assertEquals(List.of("x"), done, "run once");
        ReaderEpochs.Epoch r = e.enter();
        e.exit(r);
        assertEquals(List.of("x"), done);
    }

    @Test
    void cleanupsRunInRetirementOrderOnceOlderReadsEnd() {
        ReaderEpochs e = new ReaderEpochs();
        List<String> done = new ArrayList<>();
        ReaderEpochs.Epoch old = e.enter();
        e.retire("a", () -> Mono.fromRunnable(() -> done.add("a"))).block();
        ReaderEpochs.Epoch newer = e.enter();
        e.retire("b", () -> Mono.fromRunnable(() -> done.add("b"))).block();
        e.exit(newer);
        assertEquals(List.of(), done, "b also waits for the older read, which may hold what b retired");
        e.exit(old);
        assertEquals(List.of("a", "b"), done);
        assertEquals(0, e.activeReads());
        assertEquals(0, e.pending());
    }

    @Test
    void drainAllRunsWhatIsLeft() {
        ReaderEpochs e = new ReaderEpochs();
        List<String> done = new ArrayList<>();
        e.enter();
        e.retire("y", () -> Mono.fromRunnable(() -> done.add("y"))).block();
        e.drainAll().block();
        assertEquals(List.of("y"), done);
    }

    @Test
    void awaitRetiredWaitsForHeldAndRunningCleanups() {
        ReaderEpochs e = new ReaderEpochs();
        AtomicBoolean idle = new AtomicBoolean();
        Sinks.Empty<Void> unlink = Sinks.empty();
        ReaderEpochs.Epoch reader = e.enter();
        e.retire("held", unlink::asMono).block();
        e.awaitRetired().subscribe(null, null, () -> idle.set(true));
        assertFalse(idle.get(), "a read holds the layer");
        e.exit(reader); // starts the cleanup, which is still running
        assertFalse(idle.get(), "the cleanup runs");
        unlink.tryEmitEmpty();
        assertTrue(idle.get());
        // a failing cleanup ends too, and nothing retired: at once
        e.retire("failing", () -> Mono.error(new IOException("EIO"))).block();
        e.awaitRetired().block(Duration.ofSeconds(5));
    }

    @Test
    void cancellingTheWaitDoesNotCutACleanupShort() {
        ReaderEpochs e = new ReaderEpochs();
        Sinks.Empty<Void> unlink = Sinks.empty();
        AtomicBoolean cancelled = new AtomicBoolean();
        e.retire("slow", () -> unlink.asMono().doOnCancel(() -> cancelled.set(true))).subscribe().dispose();
        assertFalse(cancelled.get(), "the deletion goes on");
        AtomicBoolean idle = new AtomicBoolean();
        e.awaitRetired().subscribe(null, null, () -> idle.set(true));
        assertFalse(idle.get());
        unlink.tryEmitEmpty();
        assertTrue(idle.get());
    }
}
