package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A layer as the read path visits it (Neon's {@code ReadableLayer}): an image, delta or in-memory layer. Stays
 * readable for as long as a read holds it, even if compaction or a flush replaced it in the layer map meanwhile.
 */
public interface ReadableLayer {
    /**
     * Plans the reads of the values of {@code keySpace} with LSNs in {@code [lsnFloor, lsnCeil)} that the read
     * needs: for each key, newest first, down to and including the first image or will_init record; registers
     * each with {@link ValuesReconstructState#updateKey} and hands the IO to
     * {@link ValuesReconstructState#spawnIo}. Image layers also call
     * {@link ValuesReconstructState#onImageLayerVisited}. Completes once planned (and, sequentially, read).
     */
    Mono<Void> getValuesReconstructData(KeySpace keySpace, Lsn lsnFloor, Lsn lsnCeil, ValuesReconstructState state);

    /**
     * One visit for several key spaces, each over its own LSN range (keys of one request asked for at different
     * LSNs, or reaching the layer from different layers above). The key spaces are disjoint. Layers that can
     * plan them in one pass override this; by default each is planned in turn.
     */
    default Mono<Void> getValuesReconstructData(List<LayerRead> reads, ValuesReconstructState state) {
        return Flux.fromIterable(reads)
                .concatMap(r -> getValuesReconstructData(r.keySpace(), r.lsnFloor(), r.lsnCeil(), state), 0)
                .then();
    }

    /** Keys to read in a layer and the LSN range {@code [lsnFloor, lsnCeil)} to read them over. */
    record LayerRead(KeySpace keySpace, Lsn lsnFloor, Lsn lsnCeil) {
    }

    /**
     * The values of one dense key with LSNs in {@code [lsnFloor, lsnCeil)} that a read needs (newest first, down to
     * and including the first image or will_init record), planned without waiting: the point-get fast path. Null
     * when the layer cannot plan that way (an index node is not cached, the file is not open yet, the key is not in
     * an image layer, the index looks damaged); the read then takes the general path, which waits or reports the
     * problem. Planning reads nothing and registers nothing.
     */
    default PointValues planPoint(Key key, Lsn lsnFloor, Lsn lsnCeil) {
        return null;
    }

    /** Whether this is a delta layer (in-memory layers are not). */
    boolean isDelta();

    /** A short name for messages and metrics: the layer file name, or {@code inmem-<start>-<end>}. */
    String describe();
}
