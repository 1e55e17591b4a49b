package io.strata.engine.vectored;

import io.strata.engine.btree.BtreeEntry;
import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.btree.VisitDirection;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Plans the reads of a delta layer lookup (FORMAT 11.2, Neon's {@code DeltaLayerInner::plan_reads}): streams the
 * 26-byte {@code key ‖ lsn} index from each range's {@code start ‖ l0} into a {@link VectoredReadPlanner}, so that a
 * will_init value drops the older values of its key.
 */
public final class DeltaIndexPlanning {
    private DeltaIndexPlanning() {
    }

    /**
     * For each range {@code [a, b)} of {@code keySpace}, in order, each entry (key, lsn, BlobRef) gets the flag
     * {@link BlobFlag#IGNORE} if {@code lsn ∉ [l0, l1)}, else {@link BlobFlag#REPLACE_ALL} if will_init, else
     * {@link BlobFlag#NONE}. If {@code key >= b}, or {@code key.next() == b && lsn >= l1}, the range ends at the
     * entry's blob position; else the entry is handled. If the index runs out, the range ends at
     * {@code indexStartBlk × 8192}. Lazy: each subscription streams the index anew.
     */
    public static Mono<List<VectoredRead>> plan(DiskBtreeReader index, long indexStartBlk, KeySpace keySpace,
                                                Lsn l0, Lsn l1, long maxReadSize) {
        return plan(index, indexStartBlk, keySpace, l0, l1, maxReadSize, ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE);
    }

    /** As {@link #plan(DiskBtreeReader, long, KeySpace, Lsn, Lsn, long)} with a chunk size. */
    public static Mono<List<VectoredRead>> plan(DiskBtreeReader index, long indexStartBlk, KeySpace keySpace,
                                                Lsn l0, Lsn l1, long maxReadSize, int chunkSize) {
        Objects.requireNonNull(keySpace, "keySpace");
        Objects.requireNonNull(l0, "l0");
        Objects.requireNonNull(l1, "l1");
        return plan(index, indexStartBlk, keySpace.ranges().stream().map(r -> new RangeAtLsns(r, l0, l1)).toList(),
                maxReadSize, chunkSize);
    }

    /**
     * A key range and the LSNs {@code [l0, l1)} to read in it: one request may read different keys of a layer over
     * different LSN ranges (keys asked for at different LSNs) in one pass over the index.
     */
    public record RangeAtLsns(KeyRange range, Lsn l0, Lsn l1) {
        public RangeAtLsns {
            Objects.requireNonNull(range, "range");
            Objects.requireNonNull(l0, "l0");
            Objects.requireNonNull(l1, "l1");
        }
    }

    /**
     * As {@link #plan(DiskBtreeReader, long, KeySpace, Lsn, Lsn, long)}, each range with its own LSN range. The
     * ranges must be sorted by key and disjoint.
     */
    public static Mono<List<VectoredRead>> plan(DiskBtreeReader index, long indexStartBlk, List<RangeAtLsns> ranges,
                                                long maxReadSize, int chunkSize) {
        IndexPlanning.checkKeyLen(index, IndexPlanning.DELTA_KEY_SIZE, "delta layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        List<RangeAtLsns> sorted = List.copyOf(ranges);
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).range().start().compareTo(sorted.get(i - 1).range().end()) < 0) {
                throw new IllegalArgumentException("ranges overlap or are out of order: " + sorted.get(i - 1).range()
                        + ", " + sorted.get(i).range());
            }
        }
        return Mono.defer(() -> {
            VectoredReadPlanner planner = new VectoredReadPlanner(maxReadSize, chunkSize);
            IndexPlanning.KeyDecoder keys = new IndexPlanning.KeyDecoder();
            byte[] raw = new byte[IndexPlanning.DELTA_KEY_SIZE];
            return Flux.fromIterable(sorted)
                    .concatMap(r -> new RangeScan(planner, keys, raw, r.range(), r.l0().value(), r.l1().value())
                            .run(index, valuesEnd))
                    .then(Mono.fromSupplier(planner::finish));
        });
    }

    /**
     * As {@link #plan(DiskBtreeReader, long, List, long, int)}, synchronously, when every index node it needs is
     * available without waiting (cached): the point-lookup fast path. Null when a node would have to be read; the
     * caller then uses {@code plan}.
     */
    public static List<VectoredRead> planIfReady(DiskBtreeReader index, long indexStartBlk, List<RangeAtLsns> ranges,
                                                 long maxReadSize, int chunkSize) {
        IndexPlanning.checkKeyLen(index, IndexPlanning.DELTA_KEY_SIZE, "delta layer");
        long valuesEnd = IndexPlanning.valuesEnd(indexStartBlk);
        VectoredReadPlanner planner = new VectoredReadPlanner(maxReadSize, chunkSize);
        IndexPlanning.KeyDecoder keys = new IndexPlanning.KeyDecoder();
        byte[] raw = new byte[IndexPlanning.DELTA_KEY_SIZE];
        RangeAtLsns previous = null;
        for (RangeAtLsns r : ranges) {
            if (previous != null && r.range().start().compareTo(previous.range().end()) < 0) {
                throw new IllegalArgumentException("ranges overlap or are out of order: " + previous.range() + ", "
                        + r.range());
            }
            previous = r;
            if (!new RangeScan(planner, keys, raw, r.range(), r.l0().value(), r.l1().value())
                    .runIfReady(index, valuesEnd)) {
                return null;
            }
        }
        return planner.finish();
    }

    /** The scan of one key range; consumes each flyweight entry inside the predicate that receives it. */
    private static final class RangeScan {
        private final VectoredReadPlanner planner;
        private final IndexPlanning.KeyDecoder keys;
        private final byte[] raw;
        private final KeyRange range;
        private final byte[] end;
        private final long l0;
        private final long l1;
        /** Whether the current key's {@code next()} is the range end; computed once per distinct key. */
        private boolean lastKeyOfRange;
        private boolean ended;

        RangeScan(VectoredReadPlanner planner, IndexPlanning.KeyDecoder keys, byte[] raw, KeyRange range, long l0,
                  long l1) {
            this.planner = planner;
            this.keys = keys;
            this.raw = raw;
            this.range = range;
            this.end = range.end().toBytes();
            this.l0 = l0;
            this.l1 = l1;
        }

        Mono<Void> run(DiskBtreeReader index, long valuesEnd) {
            return index.forward(IndexPlanning.deltaKey(range.start(), l0))
                    .takeWhile(this::accept)
                    .then(Mono.fromRunnable(() -> {
                        if (!ended) {
                            planner.handleRangeEnd(valuesEnd);
                        }
                    }));
        }

        boolean runIfReady(DiskBtreeReader index, long valuesEnd) {
            if (index.visitIfReady(IndexPlanning.deltaKey(range.start(), l0), VisitDirection.FORWARDS, this::accept)
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
            long value = e.value();
            long pos = IndexPlanning.blobRefPos(value);
            long lsn = IndexPlanning.deltaLsn(raw);
            if (Key.compareEncoded(raw, 0, end, 0) >= 0) {
                return stop(pos);
            }
            Key key = keys.decode(raw);
            if (keys.changed()) {
                lastKeyOfRange = key.next().equals(range.end()); // key < end, so next() cannot overflow
            }
            if (lastKeyOfRange && Long.compareUnsigned(lsn, l1) >= 0) {
                return stop(pos);
            }
            BlobFlag flag;
            if (Long.compareUnsigned(lsn, l0) < 0 || Long.compareUnsigned(lsn, l1) >= 0) {
                flag = BlobFlag.IGNORE;
            } else if (IndexPlanning.blobRefWillInit(value)) {
                flag = BlobFlag.REPLACE_ALL;
            } else {
                flag = BlobFlag.NONE;
            }
            planner.handle(key, lsn, pos, flag);
            return true;
        }

        private boolean stop(long pos) {
            planner.handleRangeEnd(pos);
            ended = true;
            return false;
        }
    }
}
