package io.strata.engine.vectored;

import java.util.ArrayList;

/**
 * Grows one {@link VectoredRead} blob by blob in whole chunks (FORMAT 11.1, Neon's
 * {@code ChunkedVectoredReadBuilder}). A blob joins the read only if it starts in the chunk where the read ends
 * or in the chunk right after it, and, when a maximum is set, the read stays within it. A first blob larger
 * than the maximum still makes a (single-blob, oversized) read.
 *
 * <p>Both planners share this so that they align reads identically; not thread-safe.
 */
public final class ChunkedVectoredReadBuilder {
    /** Neon's default {@code io-align-512} build; a 4 KiB build uses 4096. */
    public static final int DEFAULT_CHUNK_SIZE = 512;
    /** No size limit ({@link StreamingVectoredReadPlanner}'s builders). */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final int chunkSize;
    private final long maxReadSize;
    private final long startChunk;
    private long endChunk;
    private long dataEnd;
    private final ArrayList<BlobMeta> blobs = new ArrayList<>(4);

    /**
     * Starts a read with its first blob, ending at {@code end}.
     *
     * @param maxReadSize largest read in bytes that {@link #extend} may make, or {@link #UNLIMITED}
     */
    public ChunkedVectoredReadBuilder(BlobMeta first, long end, long maxReadSize, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        }
        if (maxReadSize <= 0) {
            throw new IllegalArgumentException("max read size must be positive, got " + maxReadSize);
        }
        checkRange(first, end);
        this.chunkSize = chunkSize;
        this.maxReadSize = maxReadSize;
        this.startChunk = first.offset() / chunkSize;
        this.endChunk = ceilDiv(end, chunkSize);
        this.dataEnd = end;
        blobs.add(first);
    }

    /**
     * Adds the blob {@code [blob.offset(), end)} if it starts in the read's last chunk or the next one and the
     * grown read fits the maximum. Returns whether it was added; a rejected blob leaves the builder unchanged.
     *
     * @throws IllegalArgumentException if an accepted blob does not start after the previous one (an index whose
     *                                  offsets go backwards)
     */
    public boolean extend(BlobMeta blob, long end) {
        checkRange(blob, end);
        long s = blob.offset() / chunkSize;
        long e = ceilDiv(end, chunkSize);
        boolean adjacent = endChunk == s || endChunk == s + 1;
        if (!adjacent || (e - startChunk) * chunkSize > maxReadSize) {
            return false;
        }
        long prev = blobs.get(blobs.size() - 1).offset();
        if (blob.offset() <= prev) {
            throw new IllegalArgumentException("blob at offset " + blob.offset() + " does not follow the blob at "
                    + prev + " in the same read: index offsets are not ascending");
        }
        // As Neon: may only "shrink" for a zero-length blob on a chunk boundary, which drops no planned bytes.
        endChunk = e;
        dataEnd = end;
        blobs.add(blob);
        return true;
    }

    /** Where the read starts in the file: its first chunk's offset. */
    public long start() {
        return startChunk * chunkSize;
    }

    /** Where the read would end, whole chunks, with a blob ending at {@code end}. */
    public long chunkEnd(long end) {
        return ceilDiv(end, chunkSize) * chunkSize;
    }

    /** Bytes the read covers now: whole chunks. */
    public long size() {
        return (endChunk - startChunk) * chunkSize;
    }

    public int blobCount() {
        return blobs.size();
    }

    /** The planned read: {@code [startChunk * CHUNK, endChunk * CHUNK)} with the blobs added so far. */
    public VectoredRead build() {
        return new VectoredRead(startChunk * chunkSize, endChunk * chunkSize, dataEnd, blobs);
    }

    private static void checkRange(BlobMeta blob, long end) {
        if (end < blob.offset()) {
            throw new IllegalArgumentException("blob at offset " + blob.offset() + " ends before it starts, at "
                    + end + ": index offsets are not ascending");
        }
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
