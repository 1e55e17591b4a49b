package io.strata.engine.vectored;

import java.util.List;

/**
 * One planned disk read covering several blobs (Neon's {@code VectoredRead}): file bytes {@code [start, end)},
 * chunk aligned, and the blobs inside in ascending offset order. The range only sizes the read; each blob's
 * length comes from its header. May be empty ({@code start == end}) when a planned blob had no bytes before
 * the next index entry, which a well-formed layer never produces.
 *
 * @param start first file byte of the read (a chunk boundary)
 * @param end   exclusive end (a chunk boundary, {@code >= start})
 * @param blobs the blobs to decode, ascending offsets, at least one, all in {@code [start, end]}
 */
public record VectoredRead(long start, long end, List<BlobMeta> blobs) {
    public VectoredRead {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad read range [" + start + ", " + end + ")");
        }
        blobs = List.copyOf(blobs);
        if (blobs.isEmpty()) {
            throw new IllegalArgumentException("a vectored read needs at least one blob");
        }
        long prev = -1;
        for (BlobMeta b : blobs) {
            if (b.offset() <= prev || b.offset() < start || b.offset() > end) {
                throw new IllegalArgumentException("blob offset " + b.offset() + " out of order or outside ["
                        + start + ", " + end + ")");
            }
            prev = b.offset();
        }
    }

    /** Bytes to read: {@code end - start}. */
    public long size() {
        return end - start;
    }

    public int blobCount() {
        return blobs.size();
    }

    public BlobMeta blob(int i) {
        return blobs.get(i);
    }

    /** The file offset of blob {@code i}'s header. */
    public long offset(int i) {
        return blobs.get(i).offset();
    }

    @Override
    public String toString() {
        return "VectoredRead[" + start + ", " + end + ") " + blobs.size() + " blobs from " + blobs.get(0).offset();
    }
}
