package io.strata.engine.blob;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.ByteBuffer;

/**
 * Compresses one blob payload into one zstd frame the way Neon does (FORMAT 6.3 and 15).
 *
 * <p>Neon feeds the whole payload to libzstd's streaming compressor ({@code ZSTD_compressStream}, i.e.
 * {@code ZSTD_e_continue}) and then ends the frame ({@code ZSTD_e_end}), with only the level set. Because the
 * first call is not an "end" call, libzstd does not learn the input size: the frame header has <b>no content
 * size</b>, no single-segment flag, a window descriptor from the level's parameters for unknown sizes (level 1:
 * windowLog 19), no checksum and no dictionary id. This class makes the same two calls through zstd-jni.
 * zstd-jni's one-shot {@code Zstd.compress} would differ (it records the content size and shrinks the window).
 * Identical bytes still require the same libzstd version (Neon: zstd-sys 2.0.9 = libzstd 1.5.5; zstd-jni here
 * bundles 1.5.7).
 *
 * <p>Reuses one native context; not thread-safe; {@link #close()} frees it.
 */
final class ZstdBlobCompressor implements AutoCloseable {
    private final ZstdCompressCtx ctx = new ZstdCompressCtx();
    private final int level;

    /** @param level a libzstd level; 0 means libzstd's default; clamped into libzstd's range */
    ZstdBlobCompressor(int level) {
        this.level = Math.max(Zstd.minCompressionLevel(), Math.min(Zstd.maxCompressionLevel(), level));
        configure();
    }

    private void configure() {
        ctx.setLevel(level);
        ctx.setChecksum(false);
    }

    /** Room {@code dst} needs for the frame of an {@code n}-byte input. */
    static int bound(int n) {
        return Math.toIntExact(Zstd.compressBound(n));
    }

    /**
     * Compresses all of {@code src} into {@code dst} (which has at least {@link #bound} bytes left) as one frame.
     *
     * @return bytes written to {@code dst}
     */
    int compress(ByteBuffer src, ByteBuffer dst) {
        int start = dst.position();
        try {
            while (src.hasRemaining()) {
                int before = src.position();
                ctx.compressByteBufferStream(dst, src, EndDirective.CONTINUE);
                if (src.position() == before && !dst.hasRemaining()) {
                    throw new IllegalStateException("zstd output buffer too small");
                }
            }
            while (!ctx.compressByteBufferStream(dst, src, EndDirective.END)) {
                if (!dst.hasRemaining()) {
                    throw new IllegalStateException("zstd output buffer too small");
                }
            }
        } catch (RuntimeException e) {
            ctx.reset();
            configure();
            throw e;
        }
        return dst.position() - start;
    }

    @Override
    public void close() {
        ctx.close();
    }
}
