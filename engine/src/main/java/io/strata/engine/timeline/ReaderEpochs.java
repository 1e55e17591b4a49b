package io.strata.engine.timeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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

    private record Retired(String what, Supplier<Mono<Void>> cleanup) {
    }

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
     * snapshot without the layer. When no such read runs, the cleanup is due now: the returned Mono runs it (and any
     * other cleanup due) and completes when it is done; otherwise the returned Mono is empty and the last read to
     * end runs it. Failures are logged, never emitted. Subscribe to the result.
     */
    Mono<Void> retire(String what, Supplier<Mono<Void>> cleanup) {
        List<Retired> ready;
        synchronized (this) {
            Epoch e = current;
            e.cleanups.add(new Retired(what, cleanup));
            Epoch n = new Epoch();
            e.next = n;
            current = n;
            e.closed = true;
            ready = reclaim();
        }
        return Flux.fromIterable(ready).flatMap(ReaderEpochs::run).then();
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
        return Flux.fromIterable(all).concatMap(ReaderEpochs::run).then();
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

    private static Mono<Void> run(Retired r) {
        return Mono.defer(r.cleanup::get).onErrorResume(e -> {
            log.warn("cleanup of {} failed: {}", r.what, e.toString());
            return Mono.empty();
        });
    }

    @Override
    public String toString() {
        return "ReaderEpochs{pending=" + pending() + ", reads=" + activeReads() + "}";
    }
}
