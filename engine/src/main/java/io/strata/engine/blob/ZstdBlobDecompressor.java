package io.strata.engine.blob;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Decompresses a zstd blob payload. The frames carry no content size, so the output grows as needed, but never
 * beyond {@link BlobHeader#MAX_SUPPORTED_BLOB_LEN} (no writer stores a larger payload), so a corrupt or hostile
 * frame cannot exhaust the heap. The payload must be exactly one frame. Reuses one native context; not
 * thread-safe.
 */
final class ZstdBlobDecompressor implements AutoCloseable {
    private static final int MIN_OUTPUT = 8192;
    private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
    private final int maxOutput;

    ZstdBlobDecompressor() {
        this(BlobHeader.MAX_SUPPORTED_BLOB_LEN);
    }

    /** With a smaller output cap, for tests of the cap. */
    ZstdBlobDecompressor(int maxOutput) {
        this.maxOutput = maxOutput;
    }

    /** Decompresses {@code src} (its remaining bytes); errors name {@code blobOffset}. */
    byte[] decompress(ByteBuffer src, long blobOffset) {
        int max = maxOutput;
        int initial = (int) Math.min(max, Math.max(MIN_OUTPUT, 4L * src.remaining()));
        // the cap is checked when the output is full: it must be reachable exactly
        byte[] out = new byte[initial];
        ByteBuffer dst = ByteBuffer.wrap(out);
        try {
            while (true) {
                int in = src.position();
                int produced = dst.position();
                if (ctx.decompressByteBufferStream(dst, src)) {
                    break;
                }
                if (!dst.hasRemaining()) {
                    if (out.length >= max) {
                        throw new BlobCorruptionException(blobOffset, "zstd payload decompresses to more than "
                                + max + " bytes");
                    }
                    int done = dst.position();
                    out = Arrays.copyOf(out, (int) Math.min(max, 2L * out.length));
                    dst = ByteBuffer.wrap(out).position(done);
                } else if (!src.hasRemaining()) {
                    throw new BlobCorruptionException(blobOffset, "zstd frame is truncated");
                } else if (src.position() == in && dst.position() == produced) {
                    throw new BlobCorruptionException(blobOffset, "zstd decompression made no progress");
                }
            }
        } catch (ZstdException e) {
            ctx.reset();
            throw new BlobCorruptionException(blobOffset, "invalid zstd payload: " + e.getMessage(), e);
        } catch (BlobCorruptionException e) {
            ctx.reset();
            throw e;
        }
        if (src.hasRemaining()) {
            throw new BlobCorruptionException(blobOffset, src.remaining() + " bytes after the zstd frame");
        }
        return dst.position() == out.length ? out : Arrays.copyOf(out, dst.position());
    }

    @Override
    public void close() {
        ctx.close();
    }
}
