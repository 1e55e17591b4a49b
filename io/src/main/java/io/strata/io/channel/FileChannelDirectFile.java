package io.strata.io.channel;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.file.AbstractDirectFile;
import io.strata.io.file.BufferLoan;
import io.strata.io.file.Errno;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadBatch;
import io.strata.io.file.ReadOp;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import com.sun.nio.file.ExtendedOpenOption;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** A FileChannel opened with ExtendedOpenOption.DIRECT; every call runs on the engine's bounded pool. */
final class FileChannelDirectFile extends AbstractDirectFile {
    private final FileChannelIoEngine engine;
    private final FileChannel channel;

    FileChannelDirectFile(FileChannelIoEngine engine, Path path, long id, OpenMode mode, FileChannel channel) {
        super(path, id, mode, engine.alignment());
        this.engine = engine;
        this.channel = channel;
    }

    static Set<OpenOption> options(OpenMode mode) {
        return switch (mode) {
            case READ -> Set.of(StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
            case CREATE_NEW_WRITE -> Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW, ExtendedOpenOption.DIRECT);
            case READ_WRITE -> Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        };
    }

    @Override
    protected void submitTransfer(boolean write, BufferLoan loan, int bufferOffset, long offset, int length) {
        String name = write ? "write" : "read";
        AlignedBuffer buffer = loan.buffer();
        execute(() -> {
            if (loan.dropIfCancelled()) {
                opDone();
                return;
            }
            int n;
            try {
                n = write ? writeFully(offset, buffer, bufferOffset, length)
                        : readFully(offset, buffer, bufferOffset, length);
            } catch (Throwable e) {
                opDone();
                loan.failed(FileChannelErrors.map(name, path, offset, e));
                return;
            }
            opDone();
            loan.succeeded(n);
        }, e -> {
            opDone();
            loan.failed(e);
        });
    }

    private void execute(Runnable task, java.util.function.Consumer<Throwable> rejected) {
        try {
            engine.pool().execute(task);
        } catch (RejectedExecutionException e) {
            rejected.accept(new IllegalStateException("FileChannel engine is closed; cannot use " + path, e));
        }
    }

    private int readFully(long offset, AlignedBuffer buffer, int bufferOffset, int length) throws IOException {
        ByteBuffer dst = buffer.byteBuffer().duplicate();
        dst.limit(bufferOffset + length).position(bufferOffset);
        int done = 0;
        while (done < length) {
            int n = channel.read(dst, offset + done);
            if (n <= 0) {
                break; // end of file
            }
            done += n;
            if ((n & (alignment - 1)) != 0) {
                break; // a partial block: the file ends here
            }
        }
        return done;
    }

    private int writeFully(long offset, AlignedBuffer buffer, int bufferOffset, int length) throws IOException {
        ByteBuffer src = buffer.byteBuffer().duplicate();
        src.limit(bufferOffset + length).position(bufferOffset);
        int done = 0;
        while (done < length) {
            int n = channel.write(src, offset + done);
            if (n <= 0) {
                throw new IoOperationException("write", path, offset + done, Errno.EIO,
                        new IllegalStateException("write made no progress: " + (length - done) + " bytes left"));
            }
            done += n;
        }
        return done;
    }

    @Override
    protected void submitBatch(ReadBatch batch, List<ReadOp> ops) {
        for (int i = 0; i < ops.size(); i++) {
            int index = i;
            ReadOp op = ops.get(i);
            execute(() -> {
                if (batch.dropIfTerminated(op)) {
                    opDone();
                    return;
                }
                int n;
                try {
                    n = readFully(op.offset(), op.buffer(), op.bufferOffset(), op.length());
                } catch (Throwable e) {
                    opDone();
                    batch.failed(op, FileChannelErrors.map("read", path, op.offset(), e));
                    return;
                }
                opDone();
                batch.succeeded(index, op, n);
            }, e -> {
                opDone();
                batch.failed(op, e);
            });
        }
    }

    private Mono<Void> blocking(String op, long offset, IoCall call) {
        return Mono.<Boolean>create(sink -> {
            if (!acquire()) {
                sink.error(closedError(op));
                return;
            }
            engine.run(sink, op, path, offset, () -> {
                try {
                    call.run();
                    return Boolean.TRUE;
                } finally {
                    opDone();
                }
            });
        }).then();
    }

    @FunctionalInterface
    private interface IoCall {
        void run() throws IOException;
    }

    @Override
    public Mono<Void> fallocate(long offset, long length) {
        if (offset < 0 || length <= 0) {
            return Mono.error(new IllegalArgumentException("fallocate on " + path + ": bad range offset=" + offset
                    + " length=" + length));
        }
        // Java has no fallocate: extend the length like fallocate mode 0 does (blocks are allocated on write).
        return blocking("fallocate", offset, () -> {
            if (channel.size() < offset + length) {
                setLength(offset + length);
            }
        });
    }

    @Override
    public Mono<Void> truncate(long length) {
        if (length < 0) {
            return Mono.error(new IllegalArgumentException("truncate on " + path + ": negative length " + length));
        }
        return blocking("truncate", length, () -> setLength(length));
    }

    private void setLength(long length) throws IOException {
        // A second, buffered descriptor: setLength grows as well as shrinks, which FileChannel.truncate cannot.
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    @Override
    public Mono<Void> fsync() {
        return blocking("fsync", -1, () -> channel.force(true));
    }

    @Override
    public Mono<Long> size() {
        return Mono.<Long>create(sink -> {
            if (!acquire()) {
                sink.error(closedError("size"));
                return;
            }
            engine.run(sink, "size", path, -1, () -> {
                try {
                    return channel.size();
                } finally {
                    opDone();
                }
            });
        });
    }

    @Override
    protected void closeNow(Sinks.One<Void> closed) {
        execute(() -> {
            try {
                channel.close();
                closed.tryEmitEmpty();
            } catch (IOException e) {
                closed.tryEmitError(FileChannelErrors.map("close", path, -1, e));
            } finally {
                engine.fileClosed();
            }
        }, e -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the engine is shutting down; nothing else can be done
            }
            engine.fileClosed();
            closed.tryEmitError(e);
        });
    }

    @Override
    public String toString() {
        return "FileChannelDirectFile{" + path + ", mode=" + mode() + '}';
    }
}
