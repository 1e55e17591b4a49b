package io.strata.engine.vectored;

import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;

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

    /**
     * Every blob of an image layer, as reads with will_init set and LSN {@code imageLsn}, each read's extent widened
     * to {@code alignment} within {@code maxSpan} ({@link StreamingVectoredReadPlanner#NO_SPAN_LIMIT}: Neon's reads).
     */
    public static Flux<VectoredRead> imageLayer(DiskBtreeReader index, long indexStartBlk, Lsn imageLsn,
                                                long maxReadSize, int maxCnt, long maxSpan, int alignment) {
        IndexPlanning.checkKeyLen(index, Key.KEY_SIZE, "image layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        long lsn = imageLsn.value();
        return Flux.defer(() -> {
            StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(maxReadSize, maxCnt,
                    ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE, maxSpan, alignment);
            IndexPlanning.KeyDecoder keys = new IndexPlanning.KeyDecoder();
            byte[] raw = new byte[Key.KEY_SIZE];
            return index.forwardSequential(raw.clone())
                    .<VectoredRead>handle((e, sink) -> planner
                            .handle(keys.decode(e.key(raw)), lsn, e.value(), true, sink::next))
                    .concatWith(rangeEnd(planner, valuesEnd));
        });
    }

    /** Every blob of a delta layer in (key, lsn) order, will_init from each BlobRef; reads as {@link #imageLayer}. */
    public static Flux<VectoredRead> deltaLayer(DiskBtreeReader index, long indexStartBlk, long maxReadSize,
                                                int maxCnt, long maxSpan, int alignment) {
        IndexPlanning.checkKeyLen(index, IndexPlanning.DELTA_KEY_SIZE, "delta layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        return Flux.defer(() -> {
            StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(maxReadSize, maxCnt,
                    ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE, maxSpan, alignment);
            IndexPlanning.KeyDecoder keys = new IndexPlanning.KeyDecoder();
            byte[] raw = new byte[IndexPlanning.DELTA_KEY_SIZE];
            return index.forwardSequential(raw.clone())
                    .<VectoredRead>handle((e, sink) -> {
                        e.key(raw);
                        long v = e.value();
                        planner.handle(keys.decode(raw), IndexPlanning.deltaLsn(raw), IndexPlanning.blobRefPos(v),
                                IndexPlanning.blobRefWillInit(v), sink::next);
                    })
                    .concatWith(rangeEnd(planner, valuesEnd));
        });
    }

    /** The reads the planner still holds once the index ended, the last blob ending at {@code valuesEnd}. */
    private static Flux<VectoredRead> rangeEnd(StreamingVectoredReadPlanner planner, long valuesEnd) {
        return Flux.defer(() -> {
            List<VectoredRead> last = new ArrayList<>(2);
            planner.handleRangeEnd(valuesEnd, last::add);
            return Flux.fromIterable(last);
        });
    }
}
