package io.strata.engine.timeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * When a layer that left the layer map may really go (Neon drops a layer when the last {@code Arc} to it goes):
 * epoch-based reclamation. A read {@link #enter enters} the current epoch before it takes its first snapshot and
 * {@link #exit exits} when it ends: one volatile read and two atomic counter updates, no lock. A writer first
 * publishes the snapshot without the layer, then {@link #retire retires} it, which closes the current epoch; the
 * layer's cleanup (close an in-memory layer and remove its ephemeral file, or close a layer file and delete it) runs
 * once the closed epoch and every older one have no reads left.
 *
 * <p>Why it is safe: a read that entered an epoch before it was closed is waited for. A read that increments a
 * closed epoch's counter too late to be waited for takes its snapshot after that increment, hence after the retiring
 * writer read the counter, hence after the writer published the new snapshot (volatile accesses are totally ordered):
 * it cannot see the retired layer.
 */
final class ReaderEpochs {
    private static final Logger log = LoggerFactory.getLogger(ReaderEpochs.class);

    /** Reads of one epoch, and the cleanups that wait for them (and for every older epoch). */
    static final class Epoch {
        private final AtomicInteger readers = new AtomicInteger();
        private volatile boolean closed;
        /** Guarded by the owning ReaderEpochs. */
        private Epoch next;
        private final List<Retired> cleanups = new ArrayList<>(1);
    }

    /** A cleanup and when it has ended (run, successfully or not). */
    private record Retired(String what, Supplier<Mono<Void>> cleanup, Sinks.Empty<Void> done) {
        Retired(String what, Supplier<Mono<Void>> cleanup) {
            this(what, cleanup, Sinks.empty());
        }
    }

    /** Cleanups retired and not yet ended: waiting for reads, or running. */
    private final Set<Retired> unfinished = ConcurrentHashMap.newKeySet();

    private volatile Epoch current = new Epoch();
    /** The oldest epoch whose cleanups have not run; guarded by this. */
    private Epoch oldest = current;

    /** Registers a read; pass the result to {@link #exit}. */
    Epoch enter() {
        Epoch e = current;
        e.readers.incrementAndGet();
        return e;
    }

    /** Ends a read registered by {@link #enter}; runs the cleanups it was the last to hold back. */
    void exit(Epoch e) {
        if (e.readers.decrementAndGet() == 0 && e.closed) {
            List<Retired> ready;
            synchronized (this) {
                ready = reclaim();
            }
            for (Retired r : ready) {
                run(r).subscribe();
            }
        }
    }

    /**
     * Runs {@code cleanup} once every read that may hold the retired layer has ended. Call it after publishing the
     * snapshot without the layer. When no such read runs, the cleanup is due now: it starts (with any other cleanup
     * due) before this returns, and the returned Mono completes when they are done; otherwise the returned Mono is
     * empty and the last read to end runs it. Cancelling the returned Mono does not cancel a cleanup: a cleanup cut
     * short would leave its layer's file behind for good. Failures are logged, never emitted.
     */
    Mono<Void> retire(String what, Supplier<Mono<Void>> cleanup) {
        List<Retired> ready;
        synchronized (this) {
            Epoch e = current;
            Retired r = new Retired(what, cleanup);
            unfinished.add(r);
            e.cleanups.add(r);
            Epoch n = new Epoch();
            e.next = n;
            current = n;
            e.closed = true;
            ready = reclaim();
        }
        for (Retired r : ready) {
            run(r).subscribe();
        }
        return Mono.when(ready.stream().map(r -> r.done().asMono()).toList());
    }

    /**
     * Completes when every cleanup retired before this is subscribed has ended, including those still waiting for
     * reads (it then waits for those reads too).
     */
    Mono<Void> awaitRetired() {
        return Mono.defer(() -> Mono.when(unfinished.stream().map(r -> r.done().asMono()).toList()));
    }

    /** Cleanups still waiting for reads. */
    synchronized int pending() {
        int n = 0;
        for (Epoch e = oldest; e != null; e = e.next) {
            n += e.cleanups.size();
        }
        return n;
    }

    /** For tests: reads in progress in epochs not reclaimed yet. */
    synchronized int activeReads() {
        int n = 0;
        for (Epoch e = oldest; e != null; e = e.next) {
            n += e.readers.get();
        }
        return n;
    }

    /** Runs every pending cleanup now, whatever reads still run (shutdown). */
    Mono<Void> drainAll() {
        List<Retired> all = new ArrayList<>();
        synchronized (this) {
            for (Epoch e = oldest; e != null; e = e.next) {
                all.addAll(e.cleanups);
                e.cleanups.clear();
            }
        }
        for (Retired r : all) {
            run(r).subscribe(); // started at once, not cut short if the caller cancels
        }
        return Mono.when(all.stream().map(r -> r.done().asMono()).toList());
    }

    /** The cleanups of the closed, drained epochs from the oldest on; called holding this. */
    private List<Retired> reclaim() {
        List<Retired> ready = new ArrayList<>();
        while (oldest.closed && oldest.readers.get() == 0) {
            ready.addAll(oldest.cleanups);
            oldest.cleanups.clear();
            oldest = oldest.next;
        }
        return ready;
    }

    private Mono<Void> run(Retired r) {
        return Mono.defer(r.cleanup::get).onErrorResume(e -> {
            log.warn("cleanup of {} failed: {}", r.what, e.toString());
            return Mono.empty();
        }).doFinally(s -> {
            unfinished.remove(r);
            r.done().tryEmitEmpty();
        });
    }

    @Override
    public String toString() {
        return "ReaderEpochs{pending=" + pending() + ", reads=" + activeReads() + "}";
    }
}
