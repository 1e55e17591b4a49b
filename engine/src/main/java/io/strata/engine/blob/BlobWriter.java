package io.strata.engine.blob;

import io.strata.io.write.DirectFileWriter;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;

/**
 * Appends blobs (FORMAT 6.1) to a file and returns the offset of each blob's header, which the layer's B-tree
 * stores.
 *
 * <p><b>Contract.</b> Writing is synchronous and touches only an in-memory buffer, so a layer writer can write
 * millions of small blobs without a Mono per blob. Bytes reach the {@link BlobSink} only through
 * {@link #flushIfNeeded()} and {@link #flush()}. The caller writes blobs, and whenever {@link #needsFlush()} is
 * true (the buffer holds at least {@value #BUFFER_CAPACITY} bytes) subscribes to {@code flushIfNeeded()} and
 * waits for it before writing more, e.g.
 * <pre>{@code
 * Flux.fromIterable(pages).concatMap(p -> { tree.append(key(p), w.writeBlob(p.bytes())); return w.flushIfNeeded(); })
 *     .then(Mono.defer(w::flush))
 * }</pre>
 * where {@code flushIfNeeded()} is a shared empty Mono when there is nothing to do. The buffer has room for the
 * threshold plus one blob of up to {@value #BUFFER_CAPACITY} bytes; it grows only if the caller keeps writing
 * without flushing, or for a larger blob, and shrinks back after the flush. Writing while a flush is in progress, or after a flush failed, throws
 * {@link IllegalStateException}. Not thread-safe. The writer does not pad: the layer writer zero-fills the
 * values region to a block boundary.
 *
 * <p><b>Compression</b> (images only; delta layers use {@link ImageCompressionAlgorithm#DISABLED}): payloads of
 * at least 128 bytes are zstd-compressed and stored compressed only when the compressed frame is strictly
 * shorter than the payload, as in Neon's {@code write_blob_maybe_compressed}. See {@link ZstdBlobCompressor} for
 * the frame parameters. {@link #close()} frees the native zstd context; it does not flush.
 */
public final class BlobWriter implements AutoCloseable {
    /** Neon's blob writer buffer; a multiple of the 8 KiB block. */
    public static final int BUFFER_CAPACITY = 64 * 1024;
    private static final Mono<Void> NOTHING = Mono.empty();

    private final BlobSink sink;
    private final ImageCompressionAlgorithm compression;
    private ZstdBlobCompressor compressor;
    /**
     * Room for the flush threshold plus one blob of up to the threshold's size (and its header): a caller that
     * flushes when {@link #needsFlush()} says so writes each such blob into this buffer without growing it. With
     * exactly {@value #BUFFER_CAPACITY} bytes, an 8 KiB page arriving at 60 KiB grew it to 128 KiB (copying the
     * 60 KiB) and the flush then allocated a new one, every cycle.
     */
    private static final int ALLOCATED = 2 * BUFFER_CAPACITY + 4; // + a 4-byte blob header
    private byte[] buf = new byte[ALLOCATED];
    private final UnsafeBuffer view = new UnsafeBuffer(buf);
    private int fill;
    /** File offset of {@code buf[0]}. */
    private long bufferOffset;
    private boolean flushing;
    private Throwable failure;
    private int lastCompressedSize = -1;
    private boolean lastWrittenCompressed;

    /**
     * @param startOffset file offset of the first byte this writer writes (8192 for a layer's values region)
     */
    public BlobWriter(BlobSink sink, long startOffset, ImageCompressionAlgorithm compression) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.compression = Objects.requireNonNull(compression, "compression");
        if (startOffset < 0) {
            throw new IllegalArgumentException("negative start offset " + startOffset);
        }
        this.bufferOffset = startOffset;
        if (compression instanceof ImageCompressionAlgorithm.Zstd z) {
            compressor = new ZstdBlobCompressor(z.level().orElse(0));
        }
    }

    /** A writer appending to {@code file} at its current position (after its reserved prefix, if nothing else). */
    public static BlobWriter forFile(DirectFileWriter file, ImageCompressionAlgorithm compression) {
        return new BlobWriter(new DirectFileBlobSink(file), file.position(), compression);
    }

    /** The file offset the next blob will get: start offset plus all bytes written. */
    public long size() {
        return bufferOffset + fill;
    }

    /** Bytes written but not yet handed to the sink. */
    public int buffered() {
        return fill;
    }

    /** Whether the buffer is full enough that the caller should {@link #flushIfNeeded()} now. */
    public boolean needsFlush() {
        return fill >= BUFFER_CAPACITY;
    }

    /** The zstd frame length of the last {@link #writeBlob} payload, or -1 if it was not compressed at all. */
    public int lastCompressedSize() {
        return lastCompressedSize;
    }

    /** Whether the last {@link #writeBlob} stored its payload compressed. */
    public boolean lastWrittenCompressed() {
        return lastWrittenCompressed;
    }

    public long writeBlob(byte[] payload) {
        return writeBlob(payload, 0, payload.length);
    }

    public long writeBlob(byte[] payload, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, payload.length);
        return writeBlob(new UnsafeBuffer(payload), offset, length);
    }

    /**
     * Writes one blob: header and payload (compressed if configured and worth it).
     *
     * @return the file offset of the blob's header
     * @throws BlobTooLargeException if {@code length} exceeds {@link BlobHeader#MAX_SUPPORTED_BLOB_LEN}
     */
    public long writeBlob(DirectBuffer payload, int offset, int length) {
        checkWritable();
        if (length < 0 || length > BlobHeader.MAX_SUPPORTED_BLOB_LEN) {
            throw new BlobTooLargeException(length);
        }
        long blobOffset = size();
        lastCompressedSize = -1;
        lastWrittenCompressed = false;
        if (length >= BlobHeader.SHORT_HEADER_LIMIT && compressor != null && tryCompressed(payload, offset, length)) {
            return blobOffset;
        }
        putUncompressedHeader(length);
        view.putBytes(fill, payload, offset, length);
        fill += length;
        return blobOffset;
    }

    /**
     * Writes one uncompressed blob whose payload is {@code prefix[0, prefixLength)} followed by {@code payload}: a
     * value serialized in place (its encoding's head, then its bytes) without first copying it whole into a buffer of
     * its own. Delta layers store values uncompressed, so compression is not tried.
     *
     * @return the file offset of the blob's header
     * @throws BlobTooLargeException if the payload's length exceeds {@link BlobHeader#MAX_SUPPORTED_BLOB_LEN}
     */
    public long writeBlobUncompressed(DirectBuffer prefix, int prefixLength, byte[] payload) {
        checkWritable();
        Objects.checkFromIndexSize(0, prefixLength, prefix.capacity());
        long length = (long) prefixLength + payload.length;
        if (length > BlobHeader.MAX_SUPPORTED_BLOB_LEN) {
            throw new BlobTooLargeException(length);
        }
        long blobOffset = size();
        lastCompressedSize = -1;
        lastWrittenCompressed = false;
        putUncompressedHeader((int) length);
        view.putBytes(fill, prefix, 0, prefixLength);
        fill += prefixLength;
        view.putBytes(fill, payload, 0, payload.length);
        fill += payload.length;
        return blobOffset;
    }

    /** Makes room for an uncompressed blob of {@code length} payload bytes and writes its header. */
    private void putUncompressedHeader(int length) {
        BlobHeader header = BlobHeader.of(length, BlobCompression.UNCOMPRESSED);
        ensureRoom(header.totalLen());
        fill += header.encode(view, fill);
    }

    /** Compresses straight into the buffer after room for the header; keeps it only if strictly shorter. */
    private boolean tryCompressed(DirectBuffer payload, int offset, int length) {
        ensureRoom(4 + ZstdBlobCompressor.bound(length));
        ByteBuffer dst = ByteBuffer.wrap(buf, fill + 4, buf.length - fill - 4);
        int compressed = compressor.compress(ByteBuffers.view(payload, offset, length), dst);
        lastCompressedSize = compressed;
        if (compressed >= length) {
            return false;
        }
        lastWrittenCompressed = true;
        BlobHeader.of(compressed, BlobCompression.ZSTD).encode(view, fill);
        fill += 4 + compressed;
        return true;
    }

    public long writeBlobRaw(byte[] rawWithHeader) {
        return writeBlobRaw(new UnsafeBuffer(rawWithHeader), 0, rawWithHeader.length);
    }

    /**
     * Copies an already encoded blob, header included, unchanged (used when rewriting layers: compression state is
     * preserved). The header is checked first, and must account for exactly {@code length} bytes.
     *
     * @return the file offset of the blob's header
     * @throws BlobCorruptionException if the bytes are not exactly one well-formed blob
     */
    public long writeBlobRaw(DirectBuffer raw, int offset, int length) {
        checkWritable();
        long blobOffset = size();
        BlobHeader header = BlobHeader.decode(raw, offset, length, blobOffset);
        if (header.totalLen() != length) {
            throw new BlobCorruptionException(blobOffset, "raw blob header says " + header.totalLen()
                    + " bytes (header included) but " + length + " were given");
        }
        ensureRoom(length);
        view.putBytes(fill, raw, offset, length);
        fill += length;
        return blobOffset;
    }

    /**
     * Hands the buffered bytes to the sink if {@link #needsFlush()} is true now; otherwise returns {@link Mono#empty()}
     * itself, which callers may test by identity to skip a subscription per value. Subscribe to the result before
     * writing more.
     */
    public Mono<Void> flushIfNeeded() {
        return needsFlush() ? flush() : NOTHING;
    }

    /** Hands all buffered bytes to the sink (at subscription); completes when the sink accepted them. */
    public Mono<Void> flush() {
        return Mono.defer(() -> {
            checkWritable();
            if (fill == 0) {
                return NOTHING;
            }
            flushing = true;
            int n = fill;
            return sink.append(ByteBuffer.wrap(buf, 0, n))
                    .doOnSuccess(v -> flushed(n))
                    .doOnError(e -> failure = e)
                    // before the signal travels downstream, so the caller's next write finds the writer idle
                    .doOnTerminate(() -> flushing = false)
                    .doOnCancel(() -> {
                        flushing = false;
                        failure = new IllegalStateException("flush cancelled");
                    });
        });
    }

    private void flushed(int n) {
        bufferOffset += n;
        fill = 0;
        if (buf.length > ALLOCATED) {
            buf = new byte[ALLOCATED];
            view.wrap(buf);
        }
    }

    private void checkWritable() {
        if (flushing) {
            throw new IllegalStateException("blob writer used while a flush is in progress");
        }
        if (failure != null) {
            throw new IllegalStateException("blob writer failed earlier", failure);
        }
    }

    private void ensureRoom(int n) {
        long need = (long) fill + n;
        if (need <= buf.length) {
            return;
        }
        long grown = Math.max(need, 2L * buf.length);
        if (grown > Integer.MAX_VALUE - 8) {
            grown = need;
        }
        byte[] bigger = new byte[Math.toIntExact(grown)];
        System.arraycopy(buf, 0, bigger, 0, fill);
        buf = bigger;
        view.wrap(buf);
    }

    @Override
    public void close() {
        if (compressor != null) {
            compressor.close();
            compressor = null;
        }
    }
}
