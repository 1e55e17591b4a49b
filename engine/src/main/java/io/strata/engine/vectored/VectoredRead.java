package io.strata.engine.vectored;

import java.util.List;

/**
 * One planned disk read covering several blobs (Neon's {@code VectoredRead}): file bytes {@code [start, end)},
 * chunk aligned, and the blobs inside in ascending offset order. The range only sizes the read; each blob's
 * length comes from its header. May be empty ({@code start == end}) when a planned blob had no bytes before
 * the next index entry, which a well-formed layer never produces.
 *
 * <p>{@code dataEnd} is the unrounded planned end of the last blob. Bytes between it and {@code end} are only
 * chunk padding: in a layer file the index follows, but in a file that simply ends after its last blob they lie
 * past the end of the file, and a reader must not require them.
 *
 * @param start   first file byte of the read (a chunk boundary)
 * @param end     exclusive end (a chunk boundary, {@code >= dataEnd})
 * @param dataEnd exclusive planned end of the last blob ({@code >=} its offset)
 * @param blobs   the blobs to decode, ascending offsets, at least one, all in {@code [start, dataEnd]}
 */
public record VectoredRead(long start, long end, long dataEnd, List<BlobMeta> blobs) {
    public VectoredRead {
        if (start < 0 || end < dataEnd || dataEnd < start) {
            throw new IllegalArgumentException("bad read range [" + start + ", " + end + ") with data end "
                    + dataEnd);
        }
        blobs = List.copyOf(blobs);
        if (blobs.isEmpty()) {
            throw new IllegalArgumentException("a vectored read needs at least one blob");
        }
        long prev = -1;
        for (BlobMeta b : blobs) {
            if (b.offset() <= prev || b.offset() < start || b.offset() > dataEnd) {
                throw new IllegalArgumentException("blob offset " + b.offset() + " out of order or outside ["
                        + start + ", " + dataEnd + "]");
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

    /** Where blob {@code i} may end at most, as planned: the next blob's offset, or {@link #dataEnd()}. */
    public long plannedEnd(int i) {
        return i + 1 < blobs.size() ? blobs.get(i + 1).offset() : dataEnd;
    }

    @Override
    public String toString() {
        return "VectoredRead[" + start + ", " + end + ") " + blobs.size() + " blobs from " + blobs.get(0).offset();
    }
}
