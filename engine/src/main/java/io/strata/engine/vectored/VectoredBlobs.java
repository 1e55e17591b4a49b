package io.strata.engine.vectored;

import io.strata.engine.blob.BlobCompression;
import io.strata.engine.blob.BlobHeader;
import io.strata.engine.blob.BlobReader;
import io.strata.io.buffer.AlignedBuffer;
import java.nio.file.Path;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The result of one executed {@link VectoredRead} (Neon's {@code VectoredBlobsBuf}): owns the read's aligned
 * buffer and hands out its blobs, in the read's order, as views of it. All headers were checked when the read
 * completed, so a corrupt or truncated read fails there, not half-way through a consumer.
 *
 * <p><b>Ownership and validity.</b> The owner must call {@link #release()} (or {@link #close()}) exactly when done;
 * both are idempotent. {@link #blob(int)} and {@link #raw(int)} return one re-used view object each (no
 * allocation per blob): a view is valid until the next call of the same method or until release, whichever comes
 * first. Use {@link #blobBytes(int)} for a copy that outlives them. Not thread-safe.
 */
public final class VectoredBlobs implements AutoCloseable {
    private static final byte[] EMPTY = new byte[0];

    private final Path path;
    private final VectoredRead read;
    private final int sequence;
    private final AlignedBuffer buffer;
    /** File bytes {@code [windowOffset, min(read.end(), end of file))}: what the plan lets blobs occupy. */
    private final UnsafeBuffer window;
    private final long windowOffset;
    private final int[] dataIndex;
    private final int[] dataLen;
    private final boolean[] zstd;
    private final UnsafeBuffer blobView = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer rawView = new UnsafeBuffer(EMPTY);
    private BlobReader decompressor;
    private boolean released;

    private VectoredBlobs(Path path, VectoredRead read, int sequence, AlignedBuffer buffer, long windowOffset,
                          long windowEnd) {
        this.path = path;
        this.read = read;
        this.sequence = sequence;
        this.buffer = buffer;
        this.windowOffset = windowOffset;
        this.window = new UnsafeBuffer(buffer.address(), (int) (windowEnd - windowOffset));
        int n = read.blobCount();
        this.dataIndex = new int[n];
        this.dataLen = new int[n];
        this.zstd = new boolean[n];
    }

    /**
     * Takes ownership of {@code buffer}, which holds {@code bytesRead} file bytes from {@code bufferOffset}, and
     * checks the read. On failure the buffer is released before the exception propagates.
     *
     * @throws VectoredReadException if the file ended inside the planned range or a header is corrupt
     */
    static VectoredBlobs open(Path path, VectoredRead read, int sequence, AlignedBuffer buffer, long bufferOffset,
                              int bytesRead) {
        try {
            long fileEnd = bufferOffset + bytesRead;
            checkComplete(path, read, fileEnd);
            VectoredBlobs blobs = new VectoredBlobs(path, read, sequence, buffer, bufferOffset,
                    Math.min(read.end(), fileEnd));
            blobs.decodeHeaders();
            return blobs;
        } catch (RuntimeException | Error e) {
            buffer.release();
            throw e;
        }
    }

    /** The planned blobs must all lie in the file; only the chunk padding after the last may be missing. */
    private static void checkComplete(Path path, VectoredRead read, long fileEnd) {
        if (fileEnd >= read.dataEnd()) {
            return;
        }
        int n = read.blobCount();
        int i = 0;
        while (read.plannedEnd(i) <= fileEnd) {
            i++;
        }
        BlobMeta b = read.blob(i);
        throw new VectoredReadException(path, b.offset(), "short read at end of file: the vectored read ["
                + read.start() + ", " + read.end() + ") needs bytes up to " + read.dataEnd()
                + " but the file ends at " + fileEnd + "; blob " + i + " of " + n + " at offset " + b.offset()
                + " (key " + b.key() + ", lsn " + b.lsn() + "), planned to end at " + read.plannedEnd(i)
                + ", is cut short: truncated layer file?", null);
    }

    private void decodeHeaders() {
        for (int i = 0; i < dataIndex.length; i++) {
            BlobMeta b = read.blob(i);
            BlobHeader h;
            try {
                h = BlobReader.header(window, windowOffset, b.offset());
            } catch (RuntimeException e) {
                throw new VectoredReadException(path, b.offset(), "blob " + i + " of " + dataIndex.length
                        + " at offset " + b.offset() + " (key " + b.key() + ", lsn " + b.lsn() + ") in the read ["
                        + read.start() + ", " + read.end() + "): " + e.getMessage(), e);
            }
            dataIndex[i] = (int) (b.offset() - windowOffset) + h.headerLen();
            dataLen[i] = h.dataLen();
            zstd[i] = h.compression() == BlobCompression.ZSTD;
        }
    }

    /** The planned read this executed. */
    public VectoredRead read() {
        return read;
    }

    /** Position of the read in the list given to {@link VectoredBlobReader#readAll} (0 for a single read). */
    public int sequence() {
        return sequence;
    }

    /** Number of blobs. */
    public int size() {
        return dataIndex.length;
    }

    public BlobMeta meta(int i) {
        return read.blob(i);
    }

    /** Whether blob {@code i} is stored zstd-compressed. */
    public boolean isCompressed(int i) {
        checkLive();
        return zstd[i];
    }

    /** Bytes stored after blob {@code i}'s header (compressed size for zstd blobs). */
    public int storedLength(int i) {
        checkLive();
        return dataLen[i];
    }

    /**
     * The payload of blob {@code i}: a view into the read buffer, or for zstd blobs a view of a freshly
     * decompressed copy. The returned object is re-used; see the class comment for how long it is valid.
     */
    public DirectBuffer blob(int i) {
        checkLive();
        if (zstd[i]) {
            blobView.wrap(decompress(i));
        } else {
            blobView.wrap(buffer.address() + dataIndex[i], dataLen[i]);
        }
        return blobView;
    }

    /** The payload of blob {@code i} as a new array owned by the caller. */
    public byte[] blobBytes(int i) {
        checkLive();
        if (zstd[i]) {
            return decompress(i);
        }
        byte[] out = new byte[dataLen[i]];
        window.getBytes(dataIndex[i], out);
        return out;
    }

    /**
     * Blob {@code i} as stored, header included, for copying it unchanged (shard filtering). A re-used view; see
     * the class comment.
     */
    public DirectBuffer raw(int i) {
        checkLive();
        int start = (int) (read.offset(i) - windowOffset);
        rawView.wrap(buffer.address() + start, dataIndex[i] + dataLen[i] - start);
        return rawView;
    }

    private byte[] decompress(int i) {
        if (decompressor == null) {
            decompressor = new BlobReader();
        }
        BlobMeta b = read.blob(i);
        try {
            return decompressor.readBytes(window, windowOffset, b.offset());
        } catch (RuntimeException e) {
            throw new VectoredReadException(path, b.offset(), "blob " + i + " at offset " + b.offset() + " (key "
                    + b.key() + ", lsn " + b.lsn() + "): " + e.getMessage(), e);
        }
    }

    public boolean isReleased() {
        return released;
    }

    /** Returns the buffer to its pool and frees the zstd context. Idempotent; views become invalid. */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        blobView.wrap(EMPTY);
        rawView.wrap(EMPTY);
        if (decompressor != null) {
            decompressor.close();
            decompressor = null;
        }
        buffer.release();
    }

    @Override
    public void close() {
        release();
    }

    private void checkLive() {
        if (released) {
            throw new IllegalStateException("blobs of " + read + " in " + path + " were released");
        }
    }

    @Override
    public String toString() {
        return "VectoredBlobs{" + path + " " + read + (released ? " released" : "") + "}";
    }
}
