package io.strata.io.file;

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

    /** Stops the engine: waits for in-flight operations, then releases rings or threads. */
    @Override
    void close();
}
