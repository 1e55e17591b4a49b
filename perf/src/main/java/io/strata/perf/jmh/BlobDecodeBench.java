package io.strata.perf.jmh;

import io.strata.engine.blob.BlobReader;
import io.strata.engine.blob.BlobWriter;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Mono;

/**
 * Decoding an 8 KiB page image from a read window ({@link BlobReader#readBytes}): the blob header, then a copy
 * (uncompressed) or zstd decompression, as every get does with the bytes a vectored read brought in.
 */
@State(Scope.Thread)
public class BlobDecodeBench {
    private static final int BLOBS = 256;
    private static final int PAGE = 8192;

    /** none: stored as is; zstd: Neon's default image compression (level 1) of half-compressible pages. */
    @Param({"none", "zstd"})
    String compression;

    private UnsafeBuffer window;
    private long[] offsets;
    private BlobReader reader;
    private int next;

    @Setup
    public void write() {
        ImageCompressionAlgorithm algorithm = compression.equals("zstd")
                ? new ImageCompressionAlgorithm.Zstd(OptionalInt.of(1)) : ImageCompressionAlgorithm.DISABLED;
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        offsets = new long[BLOBS];
        SplittableRandom random = new SplittableRandom(3);
        try (BlobWriter w = new BlobWriter(src -> Mono.fromRunnable(() -> {
            byte[] a = new byte[src.remaining()];
            src.get(a);
            file.writeBytes(a);
        }), 0, algorithm)) {
            for (int i = 0; i < BLOBS; i++) {
                byte[] page = new byte[PAGE];
                // half random, half zeros: a page a little more than half full, as heap pages often are
                for (int b = 0; b < PAGE / 2; b++) {
                    page[b] = (byte) random.nextInt(256);
                }
                offsets[i] = w.writeBlob(page);
                w.flushIfNeeded().block(Duration.ofSeconds(10));
            }
            w.flush().block(Duration.ofSeconds(10));
        }
        window = new UnsafeBuffer(file.toByteArray());
        reader = new BlobReader();
    }

    @TearDown(Level.Trial)
    public void close() {
        reader.close();
    }

    @Benchmark
    public byte[] readBytes() {
        long off = offsets[next];
        next = (next + 1) % BLOBS;
        return reader.readBytes(window, 0, off);
    }
}
