package io.strata.engine.vectored;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.Objects;
import java.util.Optional;

/**
 * Plans reads while an index is streamed whole, in file order (FORMAT 11.3, Neon's
 * {@code StreamingVectoredReadPlanner}, used by layer iterators): emits a read as soon as it reaches
 * {@code maxReadSize} bytes or {@code maxCnt} blobs, or at the range end. Its builders are unbounded and every
 * entry must extend the current read, which holds when consecutive index entries are back to back in the file.
 * Not thread-safe.
 */
public final class StreamingVectoredReadPlanner {
    private final long maxReadSize;
    private final int maxCnt;
    private final int chunkSize;
    private ChunkedVectoredReadBuilder builder;
    private int count;

    private boolean hasPending;
    private Key pendingKey;
    private long pendingLsn;
    private long pendingOffset;
    private boolean pendingWillInit;

    public StreamingVectoredReadPlanner(long maxReadSize, int maxCnt) {
        this(maxReadSize, maxCnt, ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE);
    }

    public StreamingVectoredReadPlanner(long maxReadSize, int maxCnt, int chunkSize) {
        if (maxReadSize <= 0 || maxCnt <= 0 || chunkSize <= 0) {
            throw new IllegalArgumentException("max read size, max count and chunk size must be positive, got "
                    + maxReadSize + ", " + maxCnt + ", " + chunkSize);
        }
        this.maxReadSize = maxReadSize;
        this.maxCnt = maxCnt;
        this.chunkSize = chunkSize;
    }

    /** Adds the pending entry, ending at {@code offset}; makes this one pending. Emits a read if one filled up. */
    public Optional<VectoredRead> handle(Key key, Lsn lsn, long offset, boolean willInit) {
        return handle(key, lsn.value(), offset, willInit);
    }

    /** As {@link #handle(Key, Lsn, long, boolean)} with the LSN's u64 bits. */
    public Optional<VectoredRead> handle(Key key, long lsn, long offset, boolean willInit) {
        Objects.requireNonNull(key, "key");
        Optional<VectoredRead> out = hasPending ? add(offset, false) : Optional.empty();
        hasPending = true;
        pendingKey = key;
        pendingLsn = lsn;
        pendingOffset = offset;
        pendingWillInit = willInit;
        return out;
    }

    /** Adds the pending entry (if any) ending at {@code offset} and emits the read it is in. */
    public Optional<VectoredRead> handleRangeEnd(long offset) {
        if (!hasPending) {
            return Optional.empty();
        }
        hasPending = false;
        Optional<VectoredRead> out = add(offset, true);
        pendingKey = null;
        return out;
    }

    private Optional<VectoredRead> add(long end, boolean last) {
        BlobMeta meta = new BlobMeta(pendingKey, Lsn.of(pendingLsn), pendingOffset, pendingWillInit);
        if (builder == null) {
            builder = new ChunkedVectoredReadBuilder(meta, end, ChunkedVectoredReadBuilder.UNLIMITED, chunkSize);
        } else if (!builder.extend(meta, end)) {
            throw new IllegalArgumentException("blob at offset " + meta.offset() + " (key " + meta.key()
                    + ") is not adjacent to the read being built " + builder.build()
                    + ": the streamed index entries are not back to back in the file");
        }
        count++;
        if (last || builder.size() >= maxReadSize || count >= maxCnt) {
            VectoredRead read = builder.build();
            builder = null;
            count = 0;
            return Optional.of(read);
        }
        return Optional.empty();
    }
}
