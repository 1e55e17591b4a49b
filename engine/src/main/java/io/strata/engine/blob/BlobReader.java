package io.strata.engine.blob;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads blobs (FORMAT 6.2) out of a window of the file: a {@link DirectBuffer} holding the file bytes
 * {@code [windowOffset, windowOffset + window.capacity())}, such as the buffer of one planned vectored read.
 *
 * <p>Every length is checked against the window before anything is allocated, and decompressed sizes are capped
 * at {@link BlobHeader#MAX_SUPPORTED_BLOB_LEN}, so garbage gives a {@link BlobCorruptionException} naming the
 * blob's file offset, never an out-of-memory error. Unlike Neon's page-cache reader in "uncompressed" mode, the
 * compression code is always checked. Holds a zstd context (created on first use): not thread-safe;
 * {@link #close()} frees it.
 */
public final class BlobReader implements AutoCloseable {
    private ZstdBlobDecompressor decompressor;

    /** The header of the blob at file offset {@code blobOffset}, checking that its data lies in the window. */
    public static BlobHeader header(DirectBuffer window, long windowOffset, long blobOffset) {
        int index = indexOf(window, windowOffset, blobOffset);
        int available = window.capacity() - index;
        BlobHeader header = BlobHeader.decode(window, index, available, blobOffset);
        if (header.totalLen() > available) {
            throw new BlobCorruptionException(blobOffset, "blob of " + header.dataLen() + " data bytes (header "
                    + header.headerLen() + ") runs past the end of the data: only " + available
                    + " bytes available from its offset");
        }
        return header;
    }

    /**
     * The whole encoded blob (header and stored bytes) as a view of the window, for copying it unchanged with
     * {@link BlobWriter#writeBlobRaw}. Valid while the window is.
     */
    public static DirectBuffer raw(DirectBuffer window, long windowOffset, long blobOffset) {
        BlobHeader h = header(window, windowOffset, blobOffset);
        return new UnsafeBuffer(window, indexOf(window, windowOffset, blobOffset), h.totalLen());
    }

    /**
     * The payload of the blob at {@code blobOffset}. An uncompressed payload is returned as a view of the window
     * (no copy; valid while the window is); a zstd payload is decompressed into a new array.
     */
    public DirectBuffer read(DirectBuffer window, long windowOffset, long blobOffset) {
        BlobHeader h = header(window, windowOffset, blobOffset);
        int data = indexOf(window, windowOffset, blobOffset) + h.headerLen();
        if (h.compression() == BlobCompression.UNCOMPRESSED) {
            return new UnsafeBuffer(window, data, h.dataLen());
        }
        return new UnsafeBuffer(decompress(window, data, h.dataLen(), blobOffset));
    }

    /** As {@link #read} but always a new array owned by the caller. */
    public byte[] readBytes(DirectBuffer window, long windowOffset, long blobOffset) {
        BlobHeader h = header(window, windowOffset, blobOffset);
        int data = indexOf(window, windowOffset, blobOffset) + h.headerLen();
        if (h.compression() == BlobCompression.ZSTD) {
            return decompress(window, data, h.dataLen(), blobOffset);
        }
        byte[] out = new byte[h.dataLen()];
        window.getBytes(data, out);
        return out;
    }

    private byte[] decompress(DirectBuffer window, int index, int length, long blobOffset) {
        if (decompressor == null) {
            decompressor = new ZstdBlobDecompressor();
        }
        return decompressor.decompress(ByteBuffers.view(window, index, length), blobOffset);
    }

    private static int indexOf(DirectBuffer window, long windowOffset, long blobOffset) {
        long index = blobOffset - windowOffset;
        if (index < 0 || index >= window.capacity()) {
            throw new IllegalArgumentException("blob offset " + blobOffset + " is outside the window ["
                    + windowOffset + ", " + (windowOffset + window.capacity()) + ")");
        }
        return (int) index;
    }

    @Override
    public void close() {
        if (decompressor != null) {
            decompressor.close();
            decompressor = null;
        }
    }
}
