package io.strata.engine.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngines;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** A real io engine, write and cache pools over a temporary timeline directory, and file helpers. */
public final class LayerTestSupport implements AutoCloseable {
    public static final Duration T = Duration.ofSeconds(30);
    public static final TenantId TENANT = TenantId.parse("00112233445566778899aabbccddeeff");
    public static final TimelineId TIMELINE = TimelineId.parse("ffeeddccbbaa99887766554433221100");

    public final IoEngine engine;
    public final AlignedBufferPool writePool;
    public final AlignedBufferPool readPool;
    /**
     * The block cache's own pool, as in {@code StrataEngine}: a cached value read holds a read-pool buffer while it
     * waits for cache loads, so a cache sharing that pool deadlocked at 16 concurrent cached reads.
     */
    public final AlignedBufferPool cachePool;
    public final BlockCache cache;
    public final Path dir;

    public LayerTestSupport(Path dir) {
        this.dir = dir;
        this.engine = IoEngines.create(IoConfig.defaults());
        this.writePool = new AlignedBufferPool(64 * 1024, 8, 4096).trackLeaks(true);
        this.readPool = new AlignedBufferPool(8192, 16, 4096).trackLeaks(true);
        this.cachePool = new AlignedBufferPool(8192, 256 + 16, 4096).trackLeaks(true);
        this.cache = new BlockCache(256, cachePool);
    }

    public LayerWriteContext ctx(Generation generation) {
        return new LayerWriteContext(engine, writePool, dir, TENANT, TIMELINE, generation);
    }

    public LayerWriteContext ctx() {
        return ctx(Generation.of(0xdead0001));
    }

    /** Files in the directory whose names end with {@code ___temp}. */
    public List<Path> tempFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(LayerName.TEMP_FILE_SUFFIX)).toList();
        }
    }

    public List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Waits (up to 10 s) for asynchronous cleanup to remove every temporary file. */
    public void awaitNoTempFiles() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!tempFiles().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), tempFiles(), "temporary files left behind");
    }

    public static String hex(byte[] bytes, int from, int to) {
        return HexFormat.of().formatHex(bytes, from, to);
    }

    /** Overwrites bytes in place (a test's way to corrupt a finished file). */
    public static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    public static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    @Override
    public void close() {
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((writePool.available() < writePool.capacity() || readPool.available() < readPool.capacity())
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            writePool.assertNoLeaks();
            readPool.assertNoLeaks();
        } finally {
            engine.close();
        }
    }
}
