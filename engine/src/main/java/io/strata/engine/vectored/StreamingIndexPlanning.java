package io.strata.engine.vectored;

import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Plans the reads of a whole-layer iterator (FORMAT 11.3, used by compaction): streams the entire index from the
 * all-zero key through a {@link StreamingVectoredReadPlanner} and emits each read as soon as it is complete, so
 * reading can overlap planning. Lazy; each subscription streams the index anew.
 */
public final class StreamingIndexPlanning {
    /** Compaction's merge iterator settings. */
    public static final int COMPACTION_MAX_READ_SIZE = 8 * 1024 * 1024;
    public static final int COMPACTION_MAX_COUNT = 1024;

    private StreamingIndexPlanning() {
    }

    /** Every blob of an image layer, as reads with will_init set and LSN {@code imageLsn}. */
    public static Flux<VectoredRead> imageLayer(DiskBtreeReader index, long indexStartBlk, Lsn imageLsn,
                                                long maxReadSize, int maxCnt) {
        IndexPlanning.checkKeyLen(index, Key.KEY_SIZE, "image layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        long lsn = imageLsn.value();
        return Flux.defer(() -> {
            StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(maxReadSize, maxCnt);
            IndexPlanning.KeyDecoder keys = new IndexPlanning.KeyDecoder();
            byte[] raw = new byte[Key.KEY_SIZE];
            return index.forwardSequential(raw.clone())
                    .<VectoredRead>handle((e, sink) -> planner
                            .handle(keys.decode(e.key(raw)), lsn, e.value(), true)
                            .ifPresent(sink::next))
                    .concatWith(Mono.fromSupplier(() -> planner.handleRangeEnd(valuesEnd).orElse(null)));
        });
    }

    /** Every blob of a delta layer in (key, lsn) order, will_init from each BlobRef. */
    public static Flux<VectoredRead> deltaLayer(DiskBtreeReader index, long indexStartBlk, long maxReadSize,
                                                int maxCnt) {
        IndexPlanning.checkKeyLen(index, IndexPlanning.DELTA_KEY_SIZE, "delta layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        return Flux.defer(() -> {
            StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(maxReadSize, maxCnt);
            IndexPlanning.KeyDecoder keys = new IndexPlanning.KeyDecoder();
            byte[] raw = new byte[IndexPlanning.DELTA_KEY_SIZE];
            return index.forwardSequential(raw.clone())
                    .<VectoredRead>handle((e, sink) -> {
                        e.key(raw);
                        long v = e.value();
                        planner.handle(keys.decode(raw), IndexPlanning.deltaLsn(raw), IndexPlanning.blobRefPos(v),
                                IndexPlanning.blobRefWillInit(v)).ifPresent(sink::next);
                    })
                    .concatWith(Mono.fromSupplier(() -> planner.handleRangeEnd(valuesEnd).orElse(null)));
        });
    }
}
