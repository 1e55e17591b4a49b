package io.strata.engine.inmemory;

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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Wraps an engine: reads can be made to fail with EIO, writes can be held until the test lets them go. */
final class HookedIoEngine implements IoEngine {
    private final IoEngine delegate;
    volatile boolean failReads;
    private volatile Sinks.Empty<Void> writeHold;

    HookedIoEngine(IoEngine delegate) {
        this.delegate = delegate;
    }

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

    @Override
    public IoEngineKind kind() {
        return delegate.kind();
    }

    @Override
    public String describe() {
        return "hooked " + delegate.describe();
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

    /** Does not close the delegate: the test support owns it. */
    @Override
    public void close() {
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
            return Mono.defer(() -> failReads
                    ? Mono.error(new IoOperationException("read", f.path(), op.offset(), Errno.EIO))
                    : f.read(op));
        }

        @Override
        public Flux<ReadCompletion> readBatch(List<ReadOp> ops) {
            return Flux.defer(() -> {
                if (failReads) {
                    ops.forEach(op -> op.buffer().release()); // a subscribed batch's buffers are the engine's
                    return Flux.error(new IoOperationException("read", f.path(), ops.get(0).offset(), Errno.EIO));
                }
                return f.readBatch(ops);
            });
        }

        @Override
        public Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
            return Mono.defer(() -> {
                Sinks.Empty<Void> h = writeHold;
                return (h == null ? Mono.<Void>empty() : h.asMono()).then(f.write(offset, buffer, bufferOffset,
                        length));
            });
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
