package io.strata.perf;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.Alignment;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The data file a read benchmark reads: made (or extended) to the wanted size with random, incompressible data
 * written through a Strata engine, as sequential 1 MiB direct writes with a few in flight, then fsynced.
 */
final class BenchFile {
    static final int CHUNK = (int) Sizes.MIB;
    private static final int IN_FLIGHT = 4;
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private BenchFile() {
    }

    /** Makes sure {@code path} holds at least {@code size} bytes; writes only the missing part. */
    static void ensure(IoEngine engine, Path path, long size, Progress progress) throws IOException, InterruptedException {
        long existing = Files.exists(path) ? Files.size(path) : -1;
        if (existing >= size) {
            progress.line("using existing " + path + " (" + Sizes.format(existing) + " bytes >= --size "
                    + Sizes.format(size) + ")");
            return;
        }
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("directory " + dir + " of --file " + path + " does not exist");
        }
        int alignment = Alignment.forDirectory(dir == null ? path.toAbsolutePath() : dir);
        if (size % alignment != 0) {
            throw new IllegalArgumentException("--size " + size + " is not a multiple of the " + alignment
                    + "-byte O_DIRECT alignment of " + dir);
        }
        long from = existing < 0 ? 0 : Alignment.alignDown(existing, CHUNK);
        progress.line((existing < 0 ? "creating " : "extending ") + path + " from " + Sizes.format(from) + " to "
                + Sizes.format(size) + " bytes of random data with " + engine.describe());
        OpenMode mode = existing < 0 ? OpenMode.CREATE_NEW_WRITE : OpenMode.READ_WRITE;
        DirectFile file = engine.open(path, mode).block();
        AlignedBufferPool pool = new AlignedBufferPool(CHUNK, IN_FLIGHT, alignment);
        AtomicLong written = new AtomicLong();
        long started = System.nanoTime();
        try {
            long chunks = (size - from + CHUNK - 1) / CHUNK;
            CompletableFuture<Void> done = Flux.range(0, Math.toIntExact(chunks))
                    .flatMap(i -> pool.lease().flatMap(buf -> {
                        long offset = from + (long) i * CHUNK;
                        int length = (int) Math.min(CHUNK, size - offset);
                        fillRandom(buf);
                        return file.write(offset, buf, length)
                                .doFinally(signal -> {
                                    // on cancel the engine owns an in-flight buffer and releases it itself
                                    if (signal != SignalType.CANCEL) {
                                        buf.release();
                                    }
                                });
                    }), IN_FLIGHT)
                    .doOnNext(written::addAndGet)
                    .then(Mono.defer(file::fsync))
                    .toFuture();
            long total = size - from;
            while (true) {
                try {
                    done.get(PROGRESS_EVERY_NANOS, TimeUnit.NANOSECONDS);
                    break;
                } catch (TimeoutException e) {
                    progress.line(String.format("  %s: %d of %d MiB written (%.0f MiB/s)", path,
                            written.get() / Sizes.MIB, total / Sizes.MIB, mibPerSec(written.get(), started)));
                } catch (ExecutionException e) {
                    throw new IOException("writing " + path + " failed: " + e.getCause(), e.getCause());
                }
            }
            progress.line(String.format("  %s: %d MiB written and fsynced in %.1f s (%.0f MiB/s)", path,
                    total / Sizes.MIB, (System.nanoTime() - started) / 1e9, mibPerSec(total, started)));
        } finally {
            file.close().block();
        }
    }

    private static double mibPerSec(long bytes, long startedNanos) {
        double s = (System.nanoTime() - startedNanos) / 1e9;
        return s <= 0 ? 0 : bytes / (double) Sizes.MIB / s;
    }

    /** Fresh random bytes for each chunk: neither compressible nor deduplicable by the device. */
    static void fillRandom(AlignedBuffer b) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i + 8 <= b.capacity(); i += 8) {
            b.view().putLong(i, rnd.nextLong());
        }
    }
}
