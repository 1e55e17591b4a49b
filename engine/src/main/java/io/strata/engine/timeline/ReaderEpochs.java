package io.strata.engine.timeline;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * When a layer that left the layer map may really go (Neon drops a layer when the last {@code Arc} to it goes):
 * epoch-based reclamation. A read enters the current epoch before it takes its first snapshot and leaves when it
 * ends. A writer first publishes the snapshot without the layer, then {@link #retire retires} it, which closes the
 * current epoch: reads entering later can only see the new snapshot, so the layer's cleanup (close the in-memory
 * layer and remove its ephemeral file, or close a layer file and delete it) runs once no read of that epoch or an
 * earlier one is left. Short critical sections under the object's monitor; cleanups run outside it.
 */
final class ReaderEpochs {
    private static final Logger log = LoggerFactory.getLogger(ReaderEpochs.class);

    private long epoch;
    /** Reads in progress per epoch. */
    private final TreeMap<Long, Integer> active = new TreeMap<>();
    private final List<Retired> retired = new ArrayList<>();

    private record Retired(long epoch, String what, Supplier<Mono<Void>> cleanup) {
    }

    /** Registers a read; pass the result to {@link #exit}. */
    synchronized long enter() {
        active.merge(epoch, 1, Integer::sum);
        return epoch;
    }

    /** Ends a read registered by {@link #enter}; runs the cleanups it was the last to hold back. */
    void exit(long readEpoch) {
        List<Retired> ready;
        synchronized (this) {
            active.computeIfPresent(readEpoch, (k, n) -> n == 1 ? null : n - 1);
            ready = collect();
        }
        run(ready);
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
            retired.add(new Retired(epoch, what, cleanup));
            epoch++;
            ready = collect();
        }
        return reactor.core.publisher.Flux.fromIterable(ready)
                .flatMap(r -> Mono.defer(r.cleanup::get).onErrorResume(e -> {
                    log.warn("cleanup of {} failed: {}", r.what, e.toString());
                    return Mono.empty();
                }))
                .then();
    }

    /** Cleanups still waiting for reads. */
    synchronized int pending() {
        return retired.size();
    }

    /** Runs every pending cleanup now, whatever reads still run (shutdown). */
    Mono<Void> drainAll() {
        List<Retired> all;
        synchronized (this) {
            all = new ArrayList<>(retired);
            retired.clear();
        }
        return reactor.core.publisher.Flux.fromIterable(all)
                .concatMap(r -> r.cleanup.get().onErrorResume(e -> {
                    log.warn("cleanup of {} failed: {}", r.what, e.toString());
                    return Mono.empty();
                }))
                .then();
    }

    private List<Retired> collect() {
        long oldestRead = active.isEmpty() ? Long.MAX_VALUE : active.firstKey();
        List<Retired> ready = new ArrayList<>();
        for (Iterator<Retired> it = retired.iterator(); it.hasNext(); ) {
            Retired r = it.next();
            if (r.epoch < oldestRead) {
                ready.add(r);
                it.remove();
            }
        }
        return ready;
    }

    private static void run(List<Retired> ready) {
        for (Retired r : ready) {
            Mono<Void> m;
            try {
                m = r.cleanup.get();
            } catch (RuntimeException e) {
                log.warn("cleanup of {} failed: {}", r.what, e.toString());
                continue;
            }
            m.subscribe(null, e -> log.warn("cleanup of {} failed: {}", r.what, e.toString()));
        }
    }

    @Override
    public synchronized String toString() {
        return "ReaderEpochs{epoch=" + epoch + ", active=" + active + ", retired=" + retired.size() + "}";
    }

    /** For tests: reads in progress. */
    synchronized int activeReads() {
        int n = 0;
        for (Map.Entry<Long, Integer> e : active.entrySet()) {
            n += e.getValue();
        }
        return n;
    }
}
