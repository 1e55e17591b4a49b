package io.strata.engine.vectored;

import io.strata.engine.btree.BtreeEntry;
import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.btree.VisitDirection;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Plans the reads of an image layer lookup (FORMAT 11.2, Neon's {@code ImageLayerInner::plan_reads}) by streaming
 * its 18-byte-key index from each requested range's start into a {@link VectoredReadPlanner}.
 */
public final class ImageIndexPlanning {
    private ImageIndexPlanning() {
    }

    /**
     * For each range {@code [a, b)} of {@code keySpace}, in order: every entry with key {@code < b} is handled
     * (flag {@link BlobFlag#IGNORE} when {@code shardFilter} is given and may dispose of the key, else
     * {@link BlobFlag#NONE}); the first entry {@code >= b} ends the range at its offset; if the index runs out,
     * the range ends at {@code indexStartBlk × 8192}. Lazy: each subscription streams the index anew.
     *
     * @param shardFilter null to keep every key
     */
    public static Mono<List<VectoredRead>> plan(DiskBtreeReader index, long indexStartBlk, KeySpace keySpace,
                                                Lsn imageLsn, ShardIdentity shardFilter, long maxReadSize) {
        return plan(index, indexStartBlk, keySpace, imageLsn, shardFilter, maxReadSize,
                ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE);
    }

    /** As {@link #plan(DiskBtreeReader, long, KeySpace, Lsn, ShardIdentity, long)} with a chunk size. */
    public static Mono<List<VectoredRead>> plan(DiskBtreeReader index, long indexStartBlk, KeySpace keySpace,
                                                Lsn imageLsn, ShardIdentity shardFilter, long maxReadSize,
                                                int chunkSize) {
        IndexPlanning.checkKeyLen(index, Key.KEY_SIZE, "image layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        Objects.requireNonNull(keySpace, "keySpace");
        long lsn = imageLsn.value();
        return Mono.defer(() -> {
            VectoredReadPlanner planner = new VectoredReadPlanner(maxReadSize, chunkSize);
            byte[] raw = new byte[Key.KEY_SIZE];
            return Flux.fromIterable(keySpace.ranges())
                    .concatMap(range -> new RangeScan(planner, range, raw, lsn, shardFilter).run(index, valuesEnd))
                    .then(Mono.fromSupplier(planner::finish));
        });
    }

    /**
     * As {@link #plan(DiskBtreeReader, long, KeySpace, Lsn, ShardIdentity, long)}, synchronously, when every index
     * node it needs is available without waiting (cached): the point-lookup fast path. Null when a node would have
     * to be read; the caller then uses {@code plan}.
     */
    public static List<VectoredRead> planIfReady(DiskBtreeReader index, long indexStartBlk, KeySpace keySpace,
                                                 Lsn imageLsn, long maxReadSize) {
        IndexPlanning.checkKeyLen(index, Key.KEY_SIZE, "image layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        VectoredReadPlanner planner = new VectoredReadPlanner(maxReadSize, ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE);
        byte[] raw = new byte[Key.KEY_SIZE];
        for (KeyRange range : keySpace.ranges()) {
            if (!new RangeScan(planner, range, raw, imageLsn.value(), null).runIfReady(index, valuesEnd)) {
                return null;
            }
        }
        return planner.finish();
    }

    /** The scan of one key range; consumes each flyweight entry inside the predicate that receives it. */
    private static final class RangeScan {
        private final VectoredReadPlanner planner;
        private final byte[] raw;
        private final byte[] end;
        private final KeyRange range;
        private final long lsn;
        private final ShardIdentity filter;
        private boolean ended;

        RangeScan(VectoredReadPlanner planner, KeyRange range, byte[] raw, long lsn, ShardIdentity filter) {
            this.planner = planner;
            this.range = range;
            this.raw = raw;
            this.end = range.end().toBytes();
            this.lsn = lsn;
            this.filter = filter;
        }

        Mono<Void> run(DiskBtreeReader index, long valuesEnd) {
            return index.forward(range.start().toBytes())
                    .takeWhile(this::accept)
                    .then(Mono.fromRunnable(() -> {
                        if (!ended) {
                            planner.handleRangeEnd(valuesEnd);
                        }
                    }));
        }

        boolean runIfReady(DiskBtreeReader index, long valuesEnd) {
            if (index.visitIfReady(range.start().toBytes(), VisitDirection.FORWARDS, this::accept)
                    == DiskBtreeReader.ReadyVisit.NOT_READY) {
                return false;
            }
            if (!ended) {
                planner.handleRangeEnd(valuesEnd);
            }
            return true;
        }

        private boolean accept(BtreeEntry e) {
            e.key(raw);
            long offset = e.value();
            if (Key.compareEncoded(raw, 0, end, 0) >= 0) {
                planner.handleRangeEnd(offset);
                ended = true;
                return false;
            }
            Key key = Key.read(raw, 0);
            BlobFlag flag = filter != null && filter.isKeyDisposable(key) ? BlobFlag.IGNORE : BlobFlag.NONE;
            planner.handle(key, lsn, offset, flag);
            return true;
        }
    }
}
