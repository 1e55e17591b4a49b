package io.strata.engine.vectored;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Plans reads while an index is streamed whole, in file order (FORMAT 11.3, Neon's
 * {@code StreamingVectoredReadPlanner}, used by layer iterators): emits a read as soon as it reaches
 * {@code maxReadSize} bytes or {@code maxCnt} blobs, or at the range end. Its builders are unbounded and every
 * entry must extend the current read, which holds when consecutive index entries are back to back in the file.
 *
 * <p><b>Span limit</b> (Strata's addition, off by default): with {@code maxSpan} set, a read also ends before a
 * blob that would make its extent, widened to {@code spanAlignment} as the O_DIRECT read will be, larger than
 * {@code maxSpan}; a single blob larger than that still makes one read. Whole-layer scans set it to the largest
 * read the block device takes as one request ({@code BlockDeviceLimits}): Neon's "end once it reaches
 * {@code maxReadSize}" makes reads of {@code maxReadSize} plus part of a blob, which a device limited to, say, 254
 * segments of 4 KiB splits into two requests, halving the request size a bandwidth-per-request device sees.
 * Not thread-safe.
 */
public final class StreamingVectoredReadPlanner {
    /** No span limit: Neon's planner. */
    public static final long NO_SPAN_LIMIT = Long.MAX_VALUE;

    private final long maxReadSize;
    private final int maxCnt;
    private final int chunkSize;
    private final long maxSpan;
    private final int spanAlignment;
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
        this(maxReadSize, maxCnt, chunkSize, NO_SPAN_LIMIT, 1);
    }

    /**
     * @param maxSpan       largest extent of a read widened to {@code spanAlignment} (see the class comment), or
     *                      {@link #NO_SPAN_LIMIT}
     * @param spanAlignment the O_DIRECT alignment the reads will be widened to (a power of two)
     */
    public StreamingVectoredReadPlanner(long maxReadSize, int maxCnt, int chunkSize, long maxSpan,
                                        int spanAlignment) {
        if (maxReadSize <= 0 || maxCnt <= 0 || chunkSize <= 0 || maxSpan <= 0) {
            throw new IllegalArgumentException("max read size, max count, chunk size and max span must be positive, "
                    + "got " + maxReadSize + ", " + maxCnt + ", " + chunkSize + ", " + maxSpan);
        }
        if (spanAlignment <= 0 || Integer.bitCount(spanAlignment) != 1) {
            throw new IllegalArgumentException("span alignment must be a power of two, got " + spanAlignment);
        }
        this.maxReadSize = maxReadSize;
        this.maxCnt = maxCnt;
        this.chunkSize = chunkSize;
        this.maxSpan = maxSpan;
        this.spanAlignment = spanAlignment;
    }


    /**
     * Adds the pending entry, ending at {@code offset}; makes this one pending. Gives {@code out} the reads that are
     * complete: none, one, or (when the span limit ends a read just before a blob that ends one by itself) two.
     */
    public void handle(Key key, Lsn lsn, long offset, boolean willInit, Consumer<VectoredRead> out) {
        handle(key, lsn.value(), offset, willInit, out);
    }

    /** As {@link #handle(Key, Lsn, long, boolean, Consumer)} with the LSN's u64 bits. */
    public void handle(Key key, long lsn, long offset, boolean willInit, Consumer<VectoredRead> out) {
        Objects.requireNonNull(key, "key");
        if (hasPending) {
            add(offset, false, out);
        }
        hasPending = true;
        pendingKey = key;
        pendingLsn = lsn;
        pendingOffset = offset;
        pendingWillInit = willInit;
    }

    /** Adds the pending entry (if any) ending at {@code offset} and gives {@code out} the reads still open. */
    public void handleRangeEnd(long offset, Consumer<VectoredRead> out) {
        if (!hasPending) {
            return;
        }
        hasPending = false;
        add(offset, true, out);
        pendingKey = null;
    }

    private void add(long end, boolean last, Consumer<VectoredRead> out) {
        BlobMeta meta = new BlobMeta(pendingKey, Lsn.of(pendingLsn), pendingOffset, pendingWillInit);
        if (builder != null && maxSpan != NO_SPAN_LIMIT && span(builder.start(), builder.chunkEnd(end)) > maxSpan) {
            emit(out);
        }
        if (builder == null) {
            builder = new ChunkedVectoredReadBuilder(meta, end, ChunkedVectoredReadBuilder.UNLIMITED, chunkSize);
        } else if (!builder.extend(meta, end)) {
            throw new IllegalArgumentException("blob at offset " + meta.offset() + " (key " + meta.key()
                    + ") is not adjacent to the read being built " + builder.build()
                    + ": the streamed index entries are not back to back in the file");
        }
        count++;
        if (last || builder.size() >= maxReadSize || count >= maxCnt) {
            emit(out);
        }
    }

    private void emit(Consumer<VectoredRead> out) {
        VectoredRead read = builder.build();
        builder = null;
        count = 0;
        out.accept(read);
    }

    /** The extent of {@code [start, end)} widened to the span alignment, as the O_DIRECT read will be. */
    private long span(long start, long end) {
        long a = spanAlignment;
        return ((end + a - 1) & -a) - (start & -a);
    }
}
