package io.strata.engine.compaction;

import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.Timeline;
import io.strata.io.file.Handoff;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code BatchLayerWriter}: takes layer writers whose values are all written and finishes them together,
 * in the order given, so a compaction's output becomes durable as a whole or not at all. A layer the discard
 * function refuses is not written (its temporary file is removed) and is reported as
 * {@link BatchWriterResult.Discarded}. If a finish fails or the finish is cancelled, every layer of the batch is
 * removed: temporary files and the files already finished. Add, then finish once, from one thread at a time; an
 * {@link #abort()} (a cancel) may come from any thread.
 */
public final class BatchLayerWriter {
    private static final Logger log = LoggerFactory.getLogger(BatchLayerWriter.class);

    private enum State { OPEN, FINISHING, FINISHED, ABORTED }

    private final LayerWriteContext ctx;
    /** Guarded by {@code this}, with {@link #state}: an abort (a cancel, on another thread) may race an add. */
    private final List<Unfinished> writers = new ArrayList<>();
    private State state = State.OPEN;

    public BatchLayerWriter(LayerWriteContext ctx) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    /**
     * Adds an image writer to finish as the layer {@code keyRange} at {@code lsn}: the writer's own start and LSN
     * (Neon's {@code add_unfinished_image_writer}); {@code keyRange.end()} becomes its end key.
     */
    public void addUnfinishedImageWriter(ImageLayerWriter writer, KeyRange keyRange, Lsn lsn) {
        Objects.requireNonNull(writer, "writer");
        if (!writer.keyRange().start().equals(keyRange.start()) || !writer.lsn().equals(lsn)) {
            throw new IllegalArgumentException("image writer " + writer + " cannot be finished as " + keyRange
                    + " at " + lsn);
        }
        add(new Unfinished(new ImageLayerName(keyRange, lsn), () -> writer.finishWithEndKey(keyRange.end()),
                writer::abort));
    }

    /**
     * Adds a delta writer to finish as the layer {@code keyRange} over {@code [lsnStart, lsnEnd)}: the writer's own
     * start key and LSN range (Neon's {@code add_unfinished_delta_writer}); {@code keyRange.end()} becomes its end
     * key.
     */
    public void addUnfinishedDeltaWriter(DeltaLayerWriter writer, KeyRange keyRange, Lsn lsnStart, Lsn lsnEnd) {
        Objects.requireNonNull(writer, "writer");
        if (!writer.keyStart().equals(keyRange.start()) || !writer.lsnStart().equals(lsnStart)
                || !writer.lsnEnd().equals(lsnEnd)) {
            throw new IllegalArgumentException("delta writer " + writer + " cannot be finished as " + keyRange
                    + " over " + lsnStart + ".." + lsnEnd);
        }
        add(new Unfinished(new DeltaLayerName(keyRange, lsnStart, lsnEnd), () -> writer.finish(keyRange.end()),
                writer::abort));
    }

    private void add(Unfinished u) {
        State s;
        synchronized (this) {
            s = state;
            if (s == State.OPEN) {
                writers.add(u);
                return;
            }
        }
        u.abort.get().subscribe(null, e -> log.warn("could not abort the writer of layer {}: {}", u.name,
                e.toString()));
        throw new IllegalStateException("batch layer writer is " + s + ": cannot add " + u.name);
    }

    /** The layers added so far, in order. */
    public synchronized List<LayerName> layerNames() {
        return writers.stream().map(u -> u.name).toList();
    }

    /** Finishes every layer; discards none. */
    public Mono<List<BatchWriterResult>> finish() {
        return finishWithDiscardFn(name -> false);
    }

    /**
     * Neon's {@code finish_with_discard_fn}: for each layer in order, asks {@code discardFn} (when the layer is
     * reached, so it sees the layer map of that moment) and either removes the layer's temporary file or finishes
     * it. Emits one result per layer, in order. On a failure (a finish, or {@code discardFn} throwing) or a cancel,
     * removes every layer of the batch and, for a failure, fails with its cause.
     */
    public Mono<List<BatchWriterResult>> finishWithDiscardFn(Predicate<LayerName> discardFn) {
        Objects.requireNonNull(discardFn, "discardFn");
        return Mono.defer(() -> {
            List<Unfinished> batch;
            synchronized (this) {
                if (state != State.OPEN) {
                    return Mono.error(new IllegalStateException("batch layer writer is " + state
                            + ": it can be finished once"));
                }
                state = State.FINISHING;
                batch = List.copyOf(writers);
            }
            return Flux.fromIterable(batch)
                    .concatMap(u -> u.finishOrDiscard(discardFn), 0)
                    .collectList()
                    .doOnNext(results -> {
                        synchronized (this) {
                            state = State.FINISHED;
                        }
                    })
                    .onErrorResume(e -> cleanup().then(Mono.error(e)))
                    .doOnCancel(() -> cleanup().subscribe(null, e -> log.warn("cleanup of a cancelled batch of "
                            + "layers failed", e)));
        });
    }

    /**
     * Gives up: removes every layer of the batch (temporary files, and files a failed or cancelled finish had
     * completed). A no-op after a successful finish, whose layers belong to the caller. Idempotent.
     */
    public Mono<Void> abort() {
        return Mono.defer(() -> {
            synchronized (this) {
                if (state == State.FINISHED) {
                    return Mono.empty();
                }
            }
            return cleanup();
        });
    }

    private Mono<Void> cleanup() {
        return Mono.defer(() -> {
            List<Unfinished> all;
            synchronized (this) {
                state = State.ABORTED;
                all = List.copyOf(writers);
            }
            return Flux.fromIterable(all).concatMap(Unfinished::cleanup, 0).then();
        });
    }

    private Mono<Void> delete(Path path) {
        return ctx.engine().deleteIfExists(path).onErrorResume(e -> {
            log.warn("could not remove unfinished layer file {}: {}", path, e.toString());
            return Mono.empty();
        });
    }

    /** A writer with every value written, and the layer it will be finished as. */
    private final class Unfinished {
        final LayerName name;
        final Supplier<Mono<? extends WrittenLayer<?>>> finish;
        final Supplier<Mono<Void>> abort;
        /**
         * Set when the finish completed, read by a cleanup; the cleanup sets {@code cleaning} before reading it
         * and the finish reads {@code cleaning} after setting it, so a finish racing a cancel is always removed.
         */
        volatile WrittenLayer<?> written;
        volatile boolean cleaning;

        Unfinished(LayerName name, Supplier<Mono<? extends WrittenLayer<?>>> finish, Supplier<Mono<Void>> abort) {
            this.name = name;
            this.finish = finish;
            this.abort = abort;
        }

        Mono<BatchWriterResult> finishOrDiscard(Predicate<LayerName> discardFn) {
            return Mono.defer(() -> {
                if (discardFn.test(name)) {
                    return abort.get().thenReturn(new BatchWriterResult.Discarded(name));
                }
                // detached from cancellation: a finish cancelled between its rename and its result would leave
                // a finished file nobody knows of; run to the end, then either hand it on or remove it
                Mono<WrittenLayer<?>> done = finish.get().<WrittenLayer<?>>map(w -> w).flatMap(w -> {
                    written = w;
                    if (cleaning) {
                        return delete(w.path()).then(Mono.<WrittenLayer<?>>empty()); // the batch is being removed
                    }
                    return Mono.just(w);
                });
                return Mono.fromFuture(done.toFuture(), true).flatMap(w -> {
                    if (!w.name().equals(name)) {
                        return Mono.error(new IllegalStateException("layer writer produced " + w.name()
                                + ", expected " + name));
                    }
                    return Mono.just(new BatchWriterResult.Produced(w));
                });
            });
        }

        Mono<Void> cleanup() {
            return Mono.defer(() -> {
                cleaning = true;
                return abort.get().onErrorResume(e -> {
                    log.warn("could not abort the writer of layer {}: {}", name, e.toString());
                    return Mono.empty();
                }).then(Mono.defer(() -> {
                    WrittenLayer<?> w = written;
                    return w == null ? Mono.empty() : delete(w.path());
                }));
            });
        }
    }

    /**
     * {@code open} (a layer writer's creation) detached from cancellation: once the kernel has created the
     * temporary file a cancel cannot take it back, so the creation goes on and a writer that arrives after a cancel
     * is aborted rather than lost with its file. The hand-over goes through a {@link Handoff}: a value a MonoSink
     * receives while a cancel is half done is dropped without reaching any discard hook, so whichever of delivery
     * and cancel comes second must abort the writer.
     */
    static <W> Mono<W> openDetached(Mono<W> open, Class<W> type, Function<W, Mono<Void>> abort) {
        Consumer<W> drop = w -> abort.apply(w).subscribe(null, e -> log.warn("could not abort {}: {}", w,
                e.toString()));
        return Mono.<W>create(sink -> {
            Handoff<W> handoff = new Handoff<>(sink, drop);
            open.subscribe(handoff::deliver, handoff::fail);
        }).doOnDiscard(type, drop);
    }

    // ------------------------------------------------------------------------------------ the discard rule

    /**
     * Neon's {@code discard_key}: whether a layer compaction produced must not be written. An L0-shaped delta
     * (the whole key space) would break the order of the L0 layers; and a layer whose key range, LSN range and
     * kind are those of a layer of the same generation in the layer map would be written over that layer's file,
     * which readers may hold (it also holds the same data: compaction only removed history inside it). A layer of
     * another generation has another file name, so it is written.
     *
     * @param generationOf the generation of each layer in {@code map} (the timeline's index)
     * @param generation   the generation the layer would be written with
     */
    public static boolean discardKey(LayerName key, LayerMap map, Function<LayerName, Optional<Generation>> generationOf,
                                     Generation generation) {
        Objects.requireNonNull(key, "key");
        if (LayerMap.isL0(key.keyRange(), key.isDelta())) {
            return true;
        }
        boolean representable = key.keyRange().start().isI128Representable()
                && key.keyRange().end().isI128Representable(); // else the map cannot hold it
        if (!representable || !map.containsHistoric(new PersistentLayerDesc(key, 0))) {
            return false;
        }
        Optional<Generation> existing = generationOf.apply(key);
        boolean same = existing.isPresent() && existing.get().equals(generation);
        if (same) {
            log.info("discard layer {} due to duplicated layer key in the same generation {}", key, generation);
        }
        return same;
    }

    /**
     * {@link #discardKey(LayerName, LayerMap, Function, Generation)} against {@code timeline} as it is when asked:
     * its current layer map, the generations its index records, and the generation it writes with.
     */
    public static Predicate<LayerName> discardKey(Timeline timeline) {
        Objects.requireNonNull(timeline, "timeline");
        return key -> {
            IndexPart index = timeline.indexPart();
            return discardKey(key, timeline.layers().map(),
                    name -> Optional.ofNullable(index.layerMetadata().get(name)).map(IndexPart.LayerFileMetadata::generation),
                    timeline.writeContext().generation());
        };
    }
}
