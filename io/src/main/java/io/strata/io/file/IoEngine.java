package io.strata.io.file;

import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Path;
import reactor.core.publisher.Mono;

/**
 * Files, O_DIRECT reads and writes, and the metadata operations a crash-safe writer needs. Two implementations
 * share one contract (and one test suite): io_uring rings and FileChannel on a bounded pool.
 * Pick one with {@link IoEngines#create(IoConfig)}.
 */
public interface IoEngine extends AutoCloseable {
    IoEngineKind kind();

    /** A short description for logs: engine, rings or threads. */
    String describe();

    /** Opens {@code path} with O_DIRECT in the given mode. */
    Mono<DirectFile> open(Path path, OpenMode mode);

    /** Renames a file atomically (rename(2)); the target is replaced if it exists. */
    Mono<Void> rename(Path from, Path to);

    /** Removes a file; succeeds if it does not exist. */
    Mono<Void> deleteIfExists(Path path);

    /** fsyncs a directory so that renames and creations in it are durable. */
    Mono<Void> fsyncDirectory(Path dir);

    /**
     * Asks the kernel to back {@code pool}'s {@linkplain AlignedBufferPool#hugePageRegions() whole huge pages} with
     * transparent huge pages (madvise MADV_HUGEPAGE, then MADV_COLLAPSE for the pages already in place). Large
     * direct transfers into them go much faster on a virtual disk: a 1 MiB read at queue depth 1 went at 2.3-2.5
     * GB/s into a huge page against 1.3-1.5 GB/s into 4 KiB pages (session 24). Best effort: emits the bytes now
     * advised, 0 when the engine or the kernel cannot (the pool works the same, only slower); never fails.
     */
    default Mono<Long> adviseHugePages(AlignedBufferPool pool) {
        return Mono.just(0L);
    }

    /** Stops the engine: waits for in-flight operations, then releases rings or threads. */
    @Override
    void close();
}
