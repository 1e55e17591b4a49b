package io.strata.engine.timeline;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.read.GetVectored;
import io.strata.engine.read.KeySpaceQuery;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.MissingKeyException;
import io.strata.engine.read.Page;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.read.ReadTimeline;
import io.strata.engine.walredo.WalRedoManager;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A timeline's read side: its layers, published as whole {@link LayerSnapshot}s, and the page reads over them.
 * Reads are lazy, honour backpressure and cancellation, and each uses the snapshot current when it subscribed.
 * Thread-safe.
 */
public final class Timeline implements ReadTimeline {
    private final TimelineId id;
    private final Optional<Ancestor> ancestor;
    private final WalRedoManager redo;
    private final ReadOptions readOptions;
    private final AtomicReference<LayerSnapshot> layers;

    public Timeline(TimelineId id, Optional<Ancestor> ancestor, LayerSnapshot layers, WalRedoManager redo,
                    ReadOptions readOptions) {
        this.id = Objects.requireNonNull(id, "id");
        this.ancestor = Objects.requireNonNull(ancestor, "ancestor");
        this.layers = new AtomicReference<>(Objects.requireNonNull(layers, "layers"));
        this.redo = Objects.requireNonNull(redo, "redo");
        this.readOptions = Objects.requireNonNull(readOptions, "readOptions");
    }

    public TimelineId id() {
        return id;
    }

    @Override
    public String name() {
        return "timeline " + id;
    }

    @Override
    public Optional<Ancestor> ancestor() {
        return ancestor;
    }

    @Override
    public LayerSnapshot layers() {
        return layers.get();
    }

    /**
     * Publishes {@code update(current)} as the new snapshot, atomically: reads already running keep the snapshot
     * they took. {@code update} may run more than once under contention and must not have side effects.
     */
    public LayerSnapshot updateLayers(UnaryOperator<LayerSnapshot> update) {
        return layers.updateAndGet(update);
    }

    /**
     * The pages of {@code keys} at {@code lsn}, in key order (Neon's {@code get_vectored} / {@code scan}). Dense keys
     * that do not exist fail the Flux with {@link MissingKeyException}; sparse (metadata) keys that do not exist are
     * left out.
     */
    public Flux<Page> getVectored(KeySpace keys, Lsn lsn) {
        return Flux.defer(() -> getVectored(KeySpaceQuery.uniform(keys, lsn)));
    }

    /** The pages of a query whose keys may be at different LSNs, in key order. */
    public Flux<Page> getVectored(KeySpaceQuery query) {
        return GetVectored.read(this, query, redo, readOptions);
    }

    /** The page of {@code key} at {@code lsn}; a key that does not exist fails with {@link MissingKeyException}. */
    public Mono<byte[]> get(Key key, Lsn lsn) {
        return GetVectored.readOne(this, key, lsn, redo, readOptions)
                .switchIfEmpty(Mono.error(() -> new MissingKeyException(KeySpace.single(KeyRange.singleton(key)),
                        lsn, name(), List.of())));
    }

    @Override
    public String toString() {
        return "Timeline{" + id + "}";
    }
}
