package io.strata.engine.layer;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadCompletion;
import io.strata.io.file.ReadOp;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Wraps an engine so that the files it opens count the reads submitted inside the values region of a layer
 * ({@code [8192, valuesEnd)}), as opposed to the summary and index blocks read through the cache. Lets
 * backpressure tests see how much was read.
 */
public final class CountingIoEngine implements IoEngine {
    private final IoEngine delegate;
    private final long below;
    public final AtomicLong reads = new AtomicLong();
    public final AtomicLong bytes = new AtomicLong();

    /** Counts reads starting at or after block 1 and below {@code valuesEnd}. */
    public CountingIoEngine(IoEngine delegate, long valuesEnd) {
        this.delegate = delegate;
        this.below = valuesEnd;
    }

    private void count(ReadOp op) {
        if (op.offset() >= LayerFormat.PAGE_SZ && op.offset() < below) {
            reads.incrementAndGet();
            bytes.addAndGet(op.length());
        }
    }

    @Override
    public IoEngineKind kind() {
        return delegate.kind();
    }

    @Override
    public String describe() {
        return "counting " + delegate.describe();
    }

    @Override
    public Mono<DirectFile> open(Path path, OpenMode mode) {
        return delegate.open(path, mode).map(CountingFile::new);
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

    private final class CountingFile implements DirectFile {
        private final DirectFile file;

        CountingFile(DirectFile file) {
            this.file = file;
        }

        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public long id() {
            return file.id();
        }

        @Override
        public OpenMode mode() {
            return file.mode();
        }

        @Override
        public int alignment() {
            return file.alignment();
        }

        @Override
        public Mono<Integer> read(ReadOp op) {
            return file.read(op).doOnSubscribe(s -> count(op));
        }

        @Override
        public Flux<ReadCompletion> readBatch(List<ReadOp> ops) {
            return file.readBatch(ops).doOnSubscribe(s -> ops.forEach(CountingIoEngine.this::count));
        }

        @Override
        public Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
            return file.write(offset, buffer, bufferOffset, length);
        }

        @Override
        public Mono<Void> fallocate(long offset, long length) {
            return file.fallocate(offset, length);
        }

        @Override
        public Mono<Void> truncate(long length) {
            return file.truncate(length);
        }

        @Override
        public Mono<Void> fsync() {
            return file.fsync();
        }

        @Override
        public Mono<Long> size() {
            return file.size();
        }

        @Override
        public Mono<Void> close() {
            return file.close();
        }
    }
}
