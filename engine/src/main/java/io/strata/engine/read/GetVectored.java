package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layermap.LayerRef;
import io.strata.engine.layermap.SearchResult;
import io.strata.engine.walredo.LsnRecord;
import io.strata.engine.walredo.WalRedoManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.SignalType;

/**
 * Neon's vectored get ({@code get_vectored_impl} with {@code get_vectored_reconstruct_data}): descend from the
 * requested LSNs through the layers, newest first, visiting each (layer, LSN range) once with all the keys that
 * land there, until every key has an image or a will_init record; then go on into the ancestor timeline with what
 * is left; then reconstruct each page from its values with WAL redo.
 *
 * <p>Large requests are cut into batches of at most {@link ReadOptions#maxBatchKeys()} keys, in key order, and a
 * batch is only read when the subscriber has taken the pages of the one before: a subscriber that asks for 10
 * pages of a million-key scan makes the engine read one batch. Cancelling stops the IOs in flight. Pages come out
 * in key order.
 */
public final class GetVectored {
    /** Neon's {@code SPARSE_RANGE}: the metadata keys; a missing one is absent, not an error. */
    static final KeyRange SPARSE_RANGE = new KeyRange(new Key(Key.METADATA_KEY_BEGIN_PREFIX, 0, 0, 0, 0, 0),
            new Key(Key.METADATA_KEY_END_PREFIX, 0, 0, 0, 0, 0));
    private static final KeySpace SPARSE = KeySpace.single(SPARSE_RANGE);
    /** Neon's {@code NON_INHERITED_RANGE} and {@code sparse_non_inherited_keyspace}: never read from an ancestor. */
    public static final KeySpace NOT_INHERITED = KeySpace.of(
            new KeyRange(Key.AUX_FILES_KEY, Key.AUX_FILES_KEY.next()),
            new KeyRange(new Key(Key.AUX_KEY_PREFIX, 0, 0, 0, 0, 0),
                    new Key(Key.REPL_ORIGIN_KEY_PREFIX + 1, 0, 0, 0, 0, 0)));

    private GetVectored() {
    }

    /** The pages of {@code query} on {@code timeline}, in key order, batch by batch as the subscriber asks. */
    public static Flux<Page> read(ReadTimeline timeline, KeySpaceQuery query, WalRedoManager redo,
                                  ReadOptions options) {
        return Flux.defer(() -> Flux.fromIterable(QueryBatches.split(query, options.maxBatchKeys())))
                .concatMap(batch -> readBatch(timeline, batch, redo, options), 0);
    }

    /**
     * The page of one key: the same descent as a one-key {@link #read}, without batching or ordering machinery
     * (the common page-server request), through {@link PointGet} when it applies. Empty for a sparse key that does
     * not exist.
     */
    public static Mono<byte[]> readOne(ReadTimeline timeline, Key key, Lsn lsn, WalRedoManager redo,
                                       ReadOptions options) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            if (options.pointFastPath()) {
                Mono<byte[]> fast = PointGet.tryRead(timeline, key, lsn, redo, options, start);
                if (fast != null) {
                    return fast;
                }
            }
            KeySpaceQuery query = KeySpaceQuery.uniform(KeySpace.single(KeyRange.singleton(key)), lsn);
            ValuesReconstructState state = new ValuesReconstructState(options.ioConcurrency());
            return reconstructData(timeline, query, state)
                    .then(Mono.defer(() -> {
                        VectoredValueReconstructState values = state.keys().get(key);
                        if (values == null) {
                            return Mono.<byte[]>empty();
                        }
                        return values.collectPendingIos(key).flatMap(v -> reconstructValue(key, lsn, v, redo));
                    }))
                    .doOnSuccess(page -> options.metrics().onGet(page == null ? 0 : 1, state.layersVisited(),
                            state.deltaLayersVisited(), state.iosPlanned(), System.nanoTime() - start))
                    .doFinally(signal -> {
                        if (signal != SignalType.ON_COMPLETE) {
                            state.cancel();
                        }
                    });
        });
    }

    /** One descent for {@code query}: every key's values are planned, then the pages are reconstructed. */
    static Flux<Page> readBatch(ReadTimeline timeline, KeySpaceQuery query, WalRedoManager redo,
                                ReadOptions options) {
        return Flux.defer(() -> {
            long start = System.nanoTime();
            ValuesReconstructState state = new ValuesReconstructState(options.ioConcurrency());
            int[] pages = new int[1];
            return reconstructData(timeline, query, state)
                    .thenMany(Flux.defer(() -> reconstructAll(state, query, redo, options.redoConcurrency())))
                    .doOnNext(p -> pages[0]++)
                    .doOnComplete(() -> options.metrics().onGet(pages[0], state.layersVisited(),
                            state.deltaLayersVisited(), state.iosPlanned(), System.nanoTime() - start))
                    .doFinally(signal -> {
                        if (signal != SignalType.ON_COMPLETE) {
                            state.cancel();
                        }
                    });
        });
    }

    /** Plans (and starts) the reads of every key of {@code query}, descending into ancestors as needed. */
    static Mono<Void> reconstructData(ReadTimeline timeline, KeySpaceQuery query, ValuesReconstructState state) {
        Lsn requested = query.highWatermarkLsn();
        return descend(timeline, query, state, requested);
    }

    private static Mono<Void> descend(ReadTimeline timeline, KeySpaceQuery query, ValuesReconstructState state,
                                      Lsn requested) {
        return visitTimeline(timeline.layers(), query, state).flatMap(outcome -> {
            KeySpaceQuery rest = query.without(outcome.completed()).without(NOT_INHERITED);
            if (rest.isEmpty()) {
                return Mono.empty();
            }
            var ancestor = timeline.ancestor();
            if (ancestor.isEmpty()) {
                return missing(rest.totalKeySpace(), requested, timeline, state);
            }
            // A key inside an image layer's range that the layer did not hold does not exist: stop there.
            KeySpace notInImage = rest.totalKeySpace().intersect(outcome.imageCovered()).subtract(SPARSE);
            if (!notInImage.isEmpty()) {
                return missing(notInImage, requested, timeline, state);
            }
            KeySpaceQuery below = rest.without(outcome.imageCovered()).lower(ancestor.get().lsn());
            if (below.isEmpty()) {
                return Mono.empty();
            }
            return descend(ancestor.get().timeline(), below, state, requested);
        });
    }

    private static Mono<Void> missing(KeySpace keys, Lsn requested, ReadTimeline timeline,
                                      ValuesReconstructState state) {
        KeySpace dense = keys.subtract(SPARSE);
        return dense.isEmpty() ? Mono.empty()
                : Mono.error(new MissingKeyException(dense, requested, timeline.name(), state.visits()));
    }

    /** What a descent through one timeline achieved. */
    record Outcome(KeySpace completed, KeySpace imageCovered) {
    }

    /**
     * Neon's {@code get_vectored_reconstruct_data_timeline}: a depth-first walk where the fringe holds the layers
     * under the keys still open, highest LSN first; each visit plans one layer for all its keys, and the keys it
     * did not finish are searched for below the visit's LSN floor.
     */
    static Mono<Outcome> visitTimeline(LayerSnapshot layers, KeySpaceQuery query, ValuesReconstructState state) {
        return Mono.create(sink -> {
            LayerFringe<LayerRef> fringe = new LayerFringe<>();
            for (KeySpaceQuery.Part part : query.parts()) {
                // Requested LSNs are inclusive, the layer map's end LSNs exclusive.
                updateFringe(layers, fringe, part.keySpace(), part.lsn().add(1));
            }
            FringeWalk walk = new FringeWalk(layers, fringe, state, sink);
            sink.onCancel(walk::cancel);
            walk.drain();
        });
    }

    /**
     * The visits of one timeline, one after another: a loop, not an operator chain, that goes on synchronously
     * while visits complete inside their subscribe and resumes from the completing thread otherwise (the
     * work-in-progress counter orders the two and publishes the loop's state between threads).
     */
    private static final class FringeWalk {
        private final LayerSnapshot layers;
        private final LayerFringe<LayerRef> fringe;
        private final ValuesReconstructState state;
        private final MonoSink<Outcome> sink;
        private final AtomicInteger wip = new AtomicInteger();
        private final KeySpace.Builder completed = KeySpace.builder();
        private final KeySpace.Builder imageCovered = KeySpace.builder();
        private volatile boolean stopped;
        private volatile Disposable current;
        /** The visit whose planning completed and whose results are not yet taken into the fringe. */
        private LayerFringe.Visit finished;

        FringeWalk(LayerSnapshot layers, LayerFringe<LayerRef> fringe, ValuesReconstructState state,
                   MonoSink<Outcome> sink) {
            this.layers = layers;
            this.fringe = fringe;
            this.state = state;
            this.sink = sink;
        }

        void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            do {
                if (stopped) {
                    return;
                }
                LayerFringe.Visit v;
                try {
                    if (finished != null) {
                        afterVisit(finished);
                        finished = null;
                    }
                    v = fringe.next();
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                if (v == null) {
                    stopped = true;
                    sink.success(new Outcome(completed.build(), imageCovered.build()));
                    return;
                }
                finished = v;
                Mono<Void> visit;
                try {
                    visit = v.layer().getValuesReconstructData(v.reads(), state);
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                current = visit.subscribe(null, this::fail, this::drain);
            } while (wip.decrementAndGet() != 0);
        }

        private void afterVisit(LayerFringe.Visit v) {
            state.onLayerVisited(v.layer(), v.reads());
            ValuesReconstructState.DoneKeys done = state.consumeDoneKeys();
            KeySpace covered = done.imageCoverage() == null ? KeySpace.empty()
                    : KeySpace.single(done.imageCoverage());
            completed.addAll(done.keys());
            imageCovered.addAll(covered);
            for (ReadableLayer.LayerRead read : v.reads()) {
                KeySpace unmapped = read.keySpace().subtract(done.keys()).subtract(covered);
                if (!unmapped.isEmpty()) {
                    updateFringe(layers, fringe, unmapped, read.lsnFloor());
                }
            }
        }

        private void fail(Throwable e) {
            if (!stopped) {
                stopped = true;
                sink.error(e);
            }
        }

        void cancel() {
            stopped = true;
            Disposable d = current;
            if (d != null) {
                d.dispose();
            }
        }
    }

    /** Neon's {@code update_search_fringe}: the layers under each range of {@code keys} below {@code contLsn}. */
    private static void updateFringe(LayerSnapshot layers, LayerFringe<LayerRef> fringe, KeySpace keys, Lsn contLsn) {
        for (KeyRange range : keys.ranges()) {
            for (Map.Entry<SearchResult, KeySpace> e : search(layers, range, contLsn).entrySet()) {
                LayerRef ref = e.getKey().layer();
                Lsn floor = e.getKey().lsnFloor();
                if (floor.compareTo(contLsn) >= 0) { // the descent would not move down: a layer map bug, not a loop
                    throw new IllegalStateException("layer map search below " + contLsn + " for " + e.getValue()
                            + " returned " + ref + " with LSN floor " + floor);
                }
                fringe.update(ref, layers.resolve(ref), e.getValue(), floor, contLsn);
            }
        }
    }

    /** Neon's range search; a single key asks the cheaper point search, which gives the same answer. */
    private static Map<SearchResult, KeySpace> search(LayerSnapshot layers, KeyRange range, Lsn contLsn) {
        if (range.end().equals(range.start().next())) {
            return layers.map().search(range.start(), contLsn)
                    .map(r -> Map.of(r, KeySpace.single(range)))
                    .orElse(Map.of());
        }
        return layers.map().rangeSearch(range, contLsn);
    }

    /** Reconstructs every planned key, in key order, up to {@code concurrency} at once. */
    private static Flux<Page> reconstructAll(ValuesReconstructState state, KeySpaceQuery query, WalRedoManager redo,
                                             int concurrency) {
        Map<Key, VectoredValueReconstructState> keys = state.keys();
        List<Key> sorted = new ArrayList<>(keys.keySet());
        Collections.sort(sorted);
        return Flux.fromIterable(sorted).flatMapSequential(key -> keys.get(key).collectPendingIos(key)
                .flatMap(values -> reconstructValue(key, query.lsnFor(key), values, redo))
                .map(bytes -> new Page(key, bytes)), concurrency);
    }

    /**
     * Neon's {@code reconstruct_value}: the image alone, or WAL redo of the records over it. Public for
     * gc-compaction, which reconstructs pages from the values it merges.
     */
    public static Mono<byte[]> reconstructValue(Key key, Lsn lsn, ValueReconstructState data, WalRedoManager redo) {
        List<LsnRecord> newestFirst = data.records();
        if (newestFirst.isEmpty()) {
            return data.img().map(img -> Mono.just(img.page()))
                    .orElseGet(() -> Mono.error(new PageReconstructException(key, lsn, "base image not found")));
        }
        LsnRecord oldest = newestFirst.get(newestFirst.size() - 1);
        if (data.img().isEmpty() && !oldest.record().willInit()) {
            return Mono.error(new PageReconstructException(key, lsn, "base image not found, but got "
                    + newestFirst.size() + " WAL records (oldest at " + oldest.lsn() + " does not initialize the page)"));
        }
        List<LsnRecord> ascending = new ArrayList<>(newestFirst);
        Collections.reverse(ascending);
        return redo.redo(key, lsn, data.img(), ascending)
                .onErrorMap(e -> !(e instanceof PageReconstructException),
                        e -> new PageReconstructException(key, lsn, "WAL redo failed: " + e.getMessage(), e));
    }
}
