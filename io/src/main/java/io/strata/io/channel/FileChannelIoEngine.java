package io.strata.io.channel;

import io.strata.io.file.DirectFile;
import io.strata.io.file.FileIds;
import io.strata.io.file.Handoff;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenFileSites;
import io.strata.io.file.OpenMode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The fallback engine for hosts without io_uring: FileChannel with {@code ExtendedOpenOption.DIRECT}, each
 * blocking call on a bounded pool of threads made for it (its size is the queue depth this engine reaches).
 * Tasks are never interrupted: an interrupt would close the FileChannel under the other readers.
 */
public final class FileChannelIoEngine implements IoEngine {
    private final IoConfig config;
    private final BlockingIoThreads pool;
    private final AtomicInteger openFiles = new AtomicInteger();

    public FileChannelIoEngine(IoConfig config) {
        this.config = config;
        this.pool = new BlockingIoThreads("strata-fc", config.fileChannelThreads());
    }

    @Override
    public IoEngineKind kind() {
        return IoEngineKind.FILECHANNEL;
    }

    @Override
    public String describe() {
        return "FileChannel+O_DIRECT (" + config.fileChannelThreads() + " threads)";
    }

    int alignment() {
        return config.alignment();
    }

    BlockingIoThreads pool() {
        return pool;
    }

    void fileClosed() {
        openFiles.decrementAndGet();
    }

    /** Files open now (tests check that none leak). */
    public int openFiles() {
        return openFiles.get();
    }

    /** Runs a blocking call on the pool; an IOException becomes an IoOperationException naming op and path. */
    <T> Mono<T> call(String op, Path path, long offset, Callable<T> body) {
        return Mono.create(sink -> run(sink, op, path, offset, body));
    }

    <T> void run(MonoSink<T> sink, String op, Path path, long offset, Callable<T> body) {
        try {
            pool.execute(() -> {
                T v;
                try {
                    v = body.call();
                } catch (Throwable e) {
                    sink.error(FileChannelErrors.map(op, path, offset, e));
                    return;
                }
                sink.success(v);
            });
        } catch (RejectedExecutionException e) {
            sink.error(new IllegalStateException("FileChannel engine is closed; cannot " + op + " " + path, e));
        }
    }

    @Override
    public Mono<DirectFile> open(Path path, OpenMode mode) {
        Path abs = path.toAbsolutePath();
        Throwable site = OpenFileSites.capture(abs);
        return Mono.create(sink -> {
            Handoff<DirectFile> handoff = new Handoff<>(sink, f -> f.close().subscribe(null, e -> { }));
            try {
                pool.execute(() -> {
                    FileChannel ch;
                    try {
                        ch = FileChannel.open(abs, FileChannelDirectFile.options(mode));
                    } catch (Throwable e) {
                        handoff.fail(FileChannelErrors.map("open(" + mode + ")", abs, -1, e));
                        return;
                    }
                    openFiles.incrementAndGet();
                    DirectFile f = new FileChannelDirectFile(this, abs, FileIds.next(), mode, ch);
                    OpenFileSites.opened(f, site);
                    handoff.deliver(f);
                });
            } catch (RejectedExecutionException e) {
                handoff.fail(new IllegalStateException("FileChannel engine is closed; cannot open " + abs, e));
            }
        });
    }

    @Override
    public Mono<Void> rename(Path from, Path to) {
        return call("rename to " + to, from, -1, () -> Files.move(from, to, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING)).then();
    }

    @Override
    public Mono<Void> deleteIfExists(Path path) {
        return call("unlink", path, -1, () -> Files.deleteIfExists(path)).then();
    }

    @Override
    public Mono<Void> fsyncDirectory(Path dir) {
        return call("fsync directory", dir, -1, () -> {
            try (FileChannel ch = FileChannel.open(dir)) {
                ch.force(true);
            }
            return Boolean.TRUE;
        }).then();
    }

    @Override
    public void close() {
        pool.shutdown(10, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return describe();
    }

    static IoOperationException wrap(String op, Path path, long offset, IOException e) {
        return FileChannelErrors.map(op, path, offset, e);
    }
}
