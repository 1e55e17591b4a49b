package io.strata.io.write;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.file.DirectFile;
import io.strata.io.file.Errno;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadCompletion;
import io.strata.io.file.ReadOp;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A real engine with hooks between the caller and the kernel: writes or reads can be held until the test lets
 * them go (so that "a write in flight" is a state a test can stand in), writes can be made to fail with EIO, and
 * every read op is recorded.
 */
final class InterposedIoEngine implements IoEngine {
    /** One read as submitted: offset and length. */
    record Recorded(long offset, int length) {
    }

    private final IoEngine delegate;
    private volatile Sinks.Empty<Void> writeHold;
    private volatile Sinks.Empty<Void> readHold;
    private volatile boolean failWrites;
    private volatile boolean failReads;
    final AtomicInteger writesWaiting = new AtomicInteger();
    final AtomicInteger readsWaiting = new AtomicInteger();
    final ConcurrentLinkedQueue<Recorded> reads = new ConcurrentLinkedQueue<>();
    /** Sizes of the readBatch calls. */
    final ConcurrentLinkedQueue<Integer> batches = new ConcurrentLinkedQueue<>();

    InterposedIoEngine(IoEngine delegate) {
        this.delegate = delegate;
    }

    /** Writes submitted from now on wait for {@link #releaseWrites()}. */
    void holdWrites() {
        writeHold = Sinks.empty();
    }

    void releaseWrites() {
        Sinks.Empty<Void> h = writeHold;
        writeHold = null;
        if (h != null) {
            h.tryEmitEmpty();
        }
    }

    void holdReads() {
        readHold = Sinks.empty();
    }

    void releaseReads() {
        Sinks.Empty<Void> h = readHold;
        readHold = null;
        if (h != null) {
            h.tryEmitEmpty();
        }
    }

    void failReads(boolean on) {
        failReads = on;
    }

    void failWrites(boolean on) {
        failWrites = on;
    }

    @Override
    public IoEngineKind kind() {
        return delegate.kind();
    }

    @Override
    public String describe() {
        return "interposed " + delegate.describe();
    }

    @Override
    public Mono<DirectFile> open(Path path, OpenMode mode) {
        return delegate.open(path, mode).map(File::new);
    }

    @Override
    public Mono<Void> rename(Path from, Path to) {
        return delegate.rename(from, to);
    }

    @Override
    public Mono<Void> deleteIfExists(Path path) {
        return delegate.deleteIfExists(path);
    }

    @Override
    public Mono<Void> fsyncDirectory(Path dir) {
        return delegate.fsyncDirectory(dir);
    }

    @Override
    public void close() {
        delegate.close();
    }

    private static Mono<Void> waitFor(Sinks.Empty<Void> hold, AtomicInteger waiting) {
        if (hold == null) {
            return Mono.empty();
        }
        waiting.incrementAndGet();
        return hold.asMono().doFinally(s -> waiting.decrementAndGet());
    }

    private final class File implements DirectFile {
        private final DirectFile f;

        File(DirectFile f) {
            this.f = f;
        }

        @Override
        public Path path() {
            return f.path();
        }

        @Override
        public long id() {
            return f.id();
        }

        @Override
        public OpenMode mode() {
            return f.mode();
        }

        @Override
        public int alignment() {
            return f.alignment();
        }

        @Override
        public Mono<Integer> read(ReadOp op) {
            return Mono.defer(() -> {
                reads.add(new Recorded(op.offset(), op.length()));
                return waitFor(readHold, readsWaiting).then(f.read(op));
            });
        }

        @Override
        public Flux<ReadCompletion> readBatch(List<ReadOp> ops) {
            return Flux.defer(() -> {
                batches.add(ops.size());
                for (ReadOp op : ops) {
                    reads.add(new Recorded(op.offset(), op.length()));
                }
                if (failReads) {
                    for (ReadOp op : ops) {
                        op.buffer().release(); // the engine owns a subscribed batch's buffers
                    }
                    return Flux.error(new IoOperationException("read", f.path(), ops.get(0).offset(), Errno.EIO));
                }
                AtomicBoolean handedOver = new AtomicBoolean();
                return waitFor(readHold, readsWaiting)
                        .thenMany(Flux.defer(() -> {
                            handedOver.set(true);
                            return f.readBatch(ops);
                        }))
                        .doOnCancel(() -> {
                            if (!handedOver.getAndSet(true)) {
                                for (ReadOp op : ops) {
                                    op.buffer().release();
                                }
                            }
                        });
            });
        }

        @Override
        public Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
            return Mono.defer(() -> waitFor(writeHold, writesWaiting).then(Mono.defer(() -> failWrites
                    ? Mono.error(new IoOperationException("write", f.path(), offset, Errno.EIO))
                    : f.write(offset, buffer, bufferOffset, length))));
        }

        @Override
        public Mono<Void> fallocate(long offset, long length) {
            return f.fallocate(offset, length);
        }

        @Override
        public Mono<Void> truncate(long length) {
            return f.truncate(length);
        }

        @Override
        public Mono<Void> fsync() {
            return f.fsync();
        }

        @Override
        public Mono<Long> size() {
            return f.size();
        }

        @Override
        public Mono<Void> close() {
            return f.close();
        }
    }
}
