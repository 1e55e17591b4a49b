package io.strata.engine.timeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The directory operations the io engine does not offer (listing, creating and recursively removing
 * directories), done with {@code java.nio.file} on Reactor's {@link Schedulers#boundedElastic()}: the blocking-safe
 * path. They only run when an engine, tenant or timeline is opened or created, never on the ingest or read path,
 * and never on an io_uring event loop or a Reactor non-blocking thread. File contents, renames, removals of single
 * files and directory fsyncs all go through the {@link io.strata.io.file.IoEngine}.
 */
public final class BlockingFs {
    private BlockingFs() {
    }

    private static <T> Mono<T> blocking(Callable<T> body) {
        return Mono.fromCallable(body).subscribeOn(Schedulers.boundedElastic());
    }

    /** {@link Files#createDirectories}. */
    public static Mono<Void> createDirectories(Path dir) {
        return blocking(() -> Files.createDirectories(dir)).then();
    }

    /** The entries of {@code dir}, sorted by name; empty if it does not exist. */
    public static Mono<List<Path>> list(Path dir) {
        return blocking(() -> {
            if (!Files.isDirectory(dir)) {
                return List.of();
            }
            try (Stream<Path> s = Files.list(dir)) {
                return s.sorted().toList();
            } catch (NoSuchFileException e) {
                return List.<Path>of();
            }
        });
    }

    /** Whether {@code path} is a directory (following links). */
    public static Mono<Boolean> isDirectory(Path path) {
        return blocking(() -> Files.isDirectory(path));
    }

    /** Whether {@code path} exists. */
    public static Mono<Boolean> exists(Path path) {
        return blocking(() -> Files.exists(path));
    }

    /** Removes {@code path} and, if it is a directory, everything under it; nothing if it does not exist. */
    public static Mono<Void> deleteRecursively(Path path) {
        return blocking(() -> {
            if (!Files.exists(path)) {
                return null;
            }
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    try {
                        Files.deleteIfExists(dir);
                    } catch (DirectoryNotEmptyException ex) {
                        throw new UncheckedIOException(ex);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            return null;
        }).then();
    }
}
