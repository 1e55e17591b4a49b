package io.strata.engine.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

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
        assertEquals(List.of(), done, "lazy until subscribed");
        m.block();
        assertEquals(List.of("x"), done);
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
}
