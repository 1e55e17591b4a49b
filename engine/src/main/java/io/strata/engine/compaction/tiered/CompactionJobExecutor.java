package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * What a timeline provides to compaction (Neon's {@code CompactionJobExecutor}): the planner reads layers and
 * the key space through it, and executes its plan by asking it to create image and delta layers and delete
 * the layers they replace. The heavy lifting (reading and writing layer files) is the executor's.
 *
 * <p>Compaction calls one method at a time and subscribes to each returned publisher before calling the
 * next, so an executor need not be thread-safe against itself; it must not block the subscribing thread.
 *
 * @param <K> key type, described by {@link #compactionKey()}
 * @param <L> the executor's layer handle
 * @param <D> the executor's readable delta layer
 * @param <C> a request context passed through to every call and otherwise unused by compaction
 */
public interface CompactionJobExecutor<K, L extends CompactionLayer<K>, D extends CompactionDeltaLayer<K, C, ?>, C> {

    /** The operations on keys of type {@code K} (Neon's associated type {@code Key}). */
    CompactionKey<K> compactionKey();

    ShardIdentity getShardIdentity();

    /** All layers that overlap the bounding box {@code keyRange} x {@code lsnRange}. */
    Mono<List<L>> getLayers(Range<K> keyRange, Range<Lsn> lsnRange, C ctx);

    /**
     * The key space within {@code keyRange} at {@code lsn}: sorted, disjoint ranges ({@code CompactionKeySpace}).
     */
    Mono<List<Range<K>>> getKeyspace(Range<K> keyRange, Lsn lsn, C ctx);

    /**
     * The layer as a readable delta layer, or empty if it is an image ({@code downcast_delta_layer}). This can be
     * expensive: a real timeline may download the layer and keep it resident while the result is in use.
     */
    Mono<D> downcastDeltaLayer(L layer, C ctx);

    /** Creates an image layer with every value in {@code keyRange} materialized at {@code lsn}. */
    Mono<Void> createImage(Lsn lsn, Range<K> keyRange, C ctx);

    /**
     * Creates a delta layer holding every entry of {@code inputLayers} within {@code keyRange} x
     * {@code lsnRange}; {@link CompactionHelpers#mergeDeltaKeys} reads them in order.
     */
    Mono<Void> createDelta(Range<Lsn> lsnRange, Range<K> keyRange, List<D> inputLayers, C ctx);

    /**
     * Deletes a layer. Compaction calls this only after every {@code createImage}/{@code createDelta} the deletion
     * depends on has completed; work the executor defers (e.g. uploading the index) is the executor's to order.
     */
    Mono<Void> deleteLayer(L layer, C ctx);
}
