package io.strata.perf.jmh;

import io.strata.engine.compaction.LayerSource;
import io.strata.engine.compaction.MergeIterator;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import reactor.core.publisher.Flux;

/**
 * {@link MergeIterator} steps: the k-way merge of compaction over {@value #LAYERS} delta layers whose entries
 * are already in memory (each layer's batches as a reader emits them), so the figure is the merge's own cost per
 * item: heap step, (key, LSN) comparison and emission.
 */
@State(Scope.Thread)
public class MergeIteratorBench {
    static final int LAYERS = 4;
    static final int PER_LAYER = 16384;
    private static final int BATCH = 256;

    private List<LayerSource> sources;
    private AlignedBufferPool pool;

    @Setup
    public void layers() {
        Value value = new Value.Image(new byte[16]);
        sources = new ArrayList<>();
        for (int l = 0; l < LAYERS; l++) {
            Lsn lsn = Lsn.of(0x100L * (l + 1));
            List<List<LayerEntry>> batches = new ArrayList<>();
            List<LayerEntry> batch = new ArrayList<>();
            // interleaved keys: every layer covers the whole range, so each step picks another layer's head
            for (int i = 0; i < PER_LAYER; i++) {
                batch.add(new LayerEntry(key(i * LAYERS + l), lsn, value));
                if (batch.size() == BATCH) {
                    batches.add(batch);
                    batch = new ArrayList<>();
                }
            }
            if (!batch.isEmpty()) {
                batches.add(batch);
            }
            LayerName name = new DeltaLayerName(new KeyRange(key(0), key(PER_LAYER * LAYERS)), lsn, lsn.add(0x100));
            sources.add(new InMemorySource(name, batches));
        }
        pool = new AlignedBufferPool(4096, 4, 4096);
    }

    private static Key key(int i) {
        return new Key(0, 1663, 16384, 24576, 0, i);
    }

    @Benchmark
    @OperationsPerInvocation(LAYERS * PER_LAYER)
    public long step() {
        Long n = MergeIterator.create(sources, pool).items().count().block(Duration.ofMinutes(1));
        if (n == null || n != (long) LAYERS * PER_LAYER) {
            throw new IllegalStateException("merged " + n + " items, expected " + LAYERS * PER_LAYER);
        }
        return n;
    }

    /** A layer whose batches are already decoded. */
    private record InMemorySource(LayerName name, List<List<LayerEntry>> batches) implements LayerSource {
        @Override
        public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
            return Flux.fromIterable(batches);
        }
    }
}
