package io.strata.io.file;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Path;
import java.time.Duration;

/** Helpers shared by the io tests: deterministic file contents written through an engine. */
public final class TestFiles {
    public static final int BLOCK = 4096;

    private TestFiles() {
    }

    /** The byte at {@code pos} of every test file: position-dependent, so a read at the wrong offset shows. */
    public static byte byteAt(long pos) {
        long x = pos * 0x9E3779B97F4A7C15L;
        return (byte) (x >>> 56 ^ pos);
    }

    public static void fill(AlignedBuffer b, long filePos, int length) {
        for (int i = 0; i < length; i++) {
            b.byteBuffer().put(i, byteAt(filePos + i));
        }
    }

    /** Verifies {@code length} bytes of {@code b} from buffer offset {@code at} against file position {@code filePos}. */
    public static void check(AlignedBuffer b, int at, long filePos, int length) {
        for (int i = 0; i < length; i++) {
            byte expected = byteAt(filePos + i);
            byte actual = b.byteBuffer().get(at + i);
            if (expected != actual) {
                throw new AssertionError("byte at file position " + (filePos + i) + ": expected " + expected
                        + " but was " + actual);
            }
        }
    }

    /** Writes a file of {@code size} bytes (the last block truncated to size) through the engine. */
    public static void create(IoEngine engine, Path path, long size) {
        int chunk = 64 * 1024;
        AlignedBuffer b = AlignedBuffer.allocate(chunk, BLOCK);
        DirectFile f = engine.open(path, OpenMode.CREATE_NEW_WRITE).block(Duration.ofSeconds(10));
        try {
            for (long pos = 0; pos < size; pos += chunk) {
                int len = (int) Math.min(chunk, Alignment.alignUp(size - pos, BLOCK));
                fill(b, pos, len);
                f.write(pos, b, len).block(Duration.ofSeconds(10));
            }
            f.truncate(size).then(f.fsync()).block(Duration.ofSeconds(10));
        } finally {
            f.close().block(Duration.ofSeconds(10));
            b.release();
        }
    }

    /** Polls until the pool has every buffer back, then checks for leaks (completion may trail a cancel). */
    public static void awaitAllReturned(AlignedBufferPool pool, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pool.available() < pool.capacity() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        pool.assertNoLeaks();
    }
}
