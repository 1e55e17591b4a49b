package io.strata.perf.jmh;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.BatchedUpdates;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.layermap.SearchResult;
import io.strata.perf.SyntheticLayers;
import java.util.Optional;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link LayerMap#search} at the latest LSN for random pages of a synthetic timeline's map (the shape compaction
 * leaves: images per partition, L1 deltas cut at random keys, a few L0s on top), the first step of every get.
 */
@State(Scope.Thread)
public class LayerMapSearchBench {
    private static final int QUERIES = 4096;

    @Param({"10000"})
    int layers;

    private LayerMap map;
    private Key[] keys;
    private Lsn top;
    private int next;

    @Setup
    public void build() {
        BatchedUpdates update = LayerMap.EMPTY.batchUpdate();
        java.util.Set<Key> partitionStarts = new java.util.HashSet<>();
        long maxLsn = 0;
        for (PersistentLayerDesc d : SyntheticLayers.generate(layers, 42)) {
            update.insertHistoric(d);
            maxLsn = Math.max(maxLsn, d.name().lsnEnd().value());
            if (!d.name().isDelta()) {
                partitionStarts.add(d.name().keyRange().start()); // images cover one partition each
            }
        }
        int partitions = partitionStarts.size();
        map = update.flush();
        top = Lsn.of(maxLsn + 1);
        SplittableRandom random = new SplittableRandom(5);
        keys = new Key[QUERIES];
        for (int i = 0; i < QUERIES; i++) {
            keys[i] = SyntheticLayers.key(random.nextInt(partitions), random.nextInt(SyntheticLayers.PARTITION_BLOCKS));
        }
    }

    @Benchmark
    public Optional<SearchResult> search() {
        Key k = keys[next];
        next = (next + 1) & (QUERIES - 1);
        Optional<SearchResult> r = map.search(k, top);
        if (r.isEmpty()) {
            throw new IllegalStateException("no layer for " + k + " at " + top);
        }
        return r;
    }
}
