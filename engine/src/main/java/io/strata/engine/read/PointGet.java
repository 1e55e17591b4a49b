package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layermap.SearchResult;
import io.strata.engine.walredo.WalRedoManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The get of one dense key, the common page-server request, without the machinery a request of many keys needs (the
 * fringe, key spaces, per-value futures): the same descent as {@link GetVectored} (the layer map's point search, then
 * each layer's own planning over the LSN range the search gives, down to an image or a will_init record, then the
 * ancestor timelines at the requested LSN lowered to each branch point), but planned in one synchronous pass, then
 * read (one batch per layer with values) and reconstructed.
 *
 * <p>It applies only when every layer on the way plans without waiting ({@link ReadableLayer#planPoint}). Anything
 * else (a sparse key, an index node to read, a layer not opened yet, a key missing from the timeline and its
 * ancestors, a damaged index) makes {@link #tryRead} return null before anything was read or registered, and the
 * caller takes the general path, which handles it.
 */
final class PointGet {
    private PointGet() {
    }

    /** The page of {@code key} at {@code lsn}, or null when the fast path does not apply. */
    static Mono<byte[]> tryRead(ReadTimeline timeline, Key key, Lsn lsn, WalRedoManager redo, ReadOptions options,
                                long startNanos) {
        if (key.isSparse()) {
            return null;
        }
        ReadTimeline current = timeline;
        LayerSnapshot layers = current.layers();
        Lsn cont = lsn.add(1); // requested LSNs are inclusive, the layer map's end LSNs exclusive
        List<PointValues> planned = new ArrayList<>(2);
        int values = 0;
        int layersVisited = 0;
        int deltaLayersVisited = 0;
        while (true) {
            Optional<SearchResult> found = layers.map().search(key, cont);
            if (found.isEmpty()) {
                // Nothing more here: on to the ancestor at the requested LSN lowered to the branch point, as the
                // general path goes on with the keys left. (An image layer of this timeline over the key that did
                // not hold it would have ended the read there; planPoint returned null for it.)
                Optional<ReadTimeline.Ancestor> ancestor = current.ancestor();
                if (ancestor.isEmpty()) {
                    return null; // a missing key: the general path names it and the layers visited
                }
                current = ancestor.get().timeline();
                layers = current.layers();
                Lsn branch = ancestor.get().lsn();
                cont = (lsn.compareTo(branch) > 0 ? branch : lsn).add(1);
                continue;
            }
            Lsn floor = found.get().lsnFloor();
            if (floor.compareTo(cont) >= 0) {
                return null; // a layer map bug: the general path reports it
            }
            ReadableLayer layer = layers.resolve(found.get().layer());
            PointValues in = layer.planPoint(key, floor, cont);
            if (in == null) {
                return null;
            }
            layersVisited++;
            if (layer.isDelta()) {
                deltaLayersVisited++;
            }
            if (in.size() > 0) {
                planned.add(in);
                values += in.size();
            }
            if (in.completes()) {
                break;
            }
            cont = floor;
        }
        OnDiskValue[] got = new OnDiskValue[values];
        Mono<Void> io;
        if (planned.size() == 1) {
            io = planned.get(0).read(got, 0);
        } else {
            List<Mono<Void>> reads = new ArrayList<>(planned.size());
            int offset = 0;
            for (PointValues p : planned) {
                reads.add(p.read(got, offset));
                offset += p.size();
            }
            io = options.ioConcurrency() == IoConcurrency.SEQUENTIAL ? Flux.concat(reads).then()
                    : Flux.merge(reads).then();
        }
        int visited = layersVisited;
        int deltas = deltaLayersVisited;
        int ios = values;
        return io.then(Mono.defer(() -> {
            VectoredValueReconstructState.Collector collector = new VectoredValueReconstructState.Collector(key);
            int at = 0;
            for (PointValues p : planned) {
                for (int i = 0; i < p.size(); i++) {
                    collector.accept(p.lsn(i), got[at++]);
                }
            }
            return GetVectored.reconstructValue(key, lsn, collector.state(), redo);
        })).doOnSuccess(page -> options.metrics().onGet(1, visited, deltas, ios, System.nanoTime() - startNanos));
    }
}
