package io.strata.engine.vectored;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Plans the reads of a point lookup (FORMAT 11.2, Neon's {@code VectoredReadPlanner}): collects index entries per
 * key, applying {@link BlobFlag}s, then coalesces them into chunk-aligned reads in ascending key/offset order.
 *
 * <p>It lags one entry behind the caller, because a blob's end is only known from the next entry's offset (or
 * {@link #handleRangeEnd}). An entry still pending when {@link #finish()} is called is dropped, as in Neon.
 * Single use, not thread-safe.
 */
public final class VectoredReadPlanner {
    /** Neon's {@code max_vectored_read_bytes} default: 130 KiB. */
    public static final int DEFAULT_MAX_READ_SIZE = 130 * 1024;

    private final long maxReadSize;
    private final int chunkSize;
    private final TreeMap<Key, List<PlannedBlob>> blobs = new TreeMap<>();
    /** The list of the key recorded last: consecutive entries usually share a key. */
    private Key lastKey;
    private List<PlannedBlob> lastList;

    private boolean hasPending;
    private Key pendingKey;
    private long pendingLsn;
    private long pendingOffset;
    private BlobFlag pendingFlag;
    private boolean finished;

    /** One blob of a key: its meta and its planned end (the next entry's offset). */
    private record PlannedBlob(BlobMeta meta, long end) {
    }

    public VectoredReadPlanner(long maxReadSize) {
        this(maxReadSize, ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE);
    }

    public VectoredReadPlanner(long maxReadSize, int chunkSize) {
        if (maxReadSize <= 0 || chunkSize <= 0) {
            throw new IllegalArgumentException("max read size and chunk size must be positive, got " + maxReadSize
                    + " and " + chunkSize);
        }
        this.maxReadSize = maxReadSize;
        this.chunkSize = chunkSize;
    }

    /** Records the pending entry, ending at {@code offset}, and makes this entry the pending one. */
    public void handle(Key key, Lsn lsn, long offset, BlobFlag flag) {
        handle(key, lsn.value(), offset, flag);
    }

    /** As {@link #handle(Key, Lsn, long, BlobFlag)} with the LSN's u64 bits, so ignored entries allocate nothing. */
    public void handle(Key key, long lsn, long offset, BlobFlag flag) {
        checkOpen();
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(flag, "flag");
        if (hasPending) {
            record(offset);
        }
        hasPending = true;
        pendingKey = key;
        pendingLsn = lsn;
        pendingOffset = offset;
        pendingFlag = flag;
    }

    /** Records the pending entry (if any) ending at {@code offset}: the end of a key range or of the values. */
    public void handleRangeEnd(long offset) {
        checkOpen();
        if (hasPending) {
            record(offset);
            hasPending = false;
            pendingKey = null;
        }
    }

    private void record(long end) {
        if (pendingFlag == BlobFlag.IGNORE) {
            return;
        }
        if (end < pendingOffset) {
            throw new IllegalArgumentException("blob at offset " + pendingOffset + " (key " + pendingKey
                    + ") ends before it starts, at " + end + ": index offsets are not ascending");
        }
        List<PlannedBlob> list;
        if (pendingKey.equals(lastKey)) {
            list = lastList;
        } else {
            list = blobs.computeIfAbsent(pendingKey, k -> new ArrayList<>(2));
            lastKey = pendingKey;
            lastList = list;
        }
        boolean replace = pendingFlag == BlobFlag.REPLACE_ALL;
        if (replace) {
            list.clear();
        }
        list.add(new PlannedBlob(new BlobMeta(pendingKey, Lsn.of(pendingLsn), pendingOffset, replace), end));
    }

    /**
     * The planned reads: keys ascending, each key's blobs in the order recorded, packed greedily into
     * {@link ChunkedVectoredReadBuilder}s bounded by the max read size. Ends the planner.
     */
    public List<VectoredRead> finish() {
        checkOpen();
        finished = true;
        List<VectoredRead> reads = new ArrayList<>();
        ChunkedVectoredReadBuilder current = null;
        for (Map.Entry<Key, List<PlannedBlob>> e : blobs.entrySet()) {
            for (PlannedBlob b : e.getValue()) {
                if (current == null || !current.extend(b.meta(), b.end())) {
                    if (current != null) {
                        reads.add(current.build());
                    }
                    current = new ChunkedVectoredReadBuilder(b.meta(), b.end(), maxReadSize, chunkSize);
                }
            }
        }
        if (current != null) {
            reads.add(current.build());
        }
        blobs.clear();
        lastKey = null;
        lastList = null;
        return reads;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("the planner has finished");
        }
    }
}
