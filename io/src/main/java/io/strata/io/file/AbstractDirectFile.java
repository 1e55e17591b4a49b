package io.strata.io.file;

import io.strata.io.buffer.AlignedBuffer;
import java.nio.file.Path;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Engine SPI: what every {@link DirectFile} does the same way, so both engines validate, count, hand over buffers
 * and close alike. Subclasses only submit: {@link #submitTransfer}, {@link #submitBatch}, {@link #closeNow}.
 * Every operation a subclass runs is counted by the in-flight gate; it must call {@link #opDone()} when the
 * operation has finished (or was dropped before submission).
 */
public abstract class AbstractDirectFile implements DirectFile {
    protected final Path path;
    private final long id;
    private final OpenMode mode;
    protected final int alignment;
    protected final int readAlignment;
    private final InFlightGate gate = new InFlightGate(this::startClose);
    private final Sinks.One<Void> closed = Sinks.one();

    protected AbstractDirectFile(Path path, long id, OpenMode mode, int alignment) {
        this(path, id, mode, alignment, alignment);
    }

    protected AbstractDirectFile(Path path, long id, OpenMode mode, int alignment, int readAlignment) {
        if (readAlignment > alignment || Integer.bitCount(readAlignment) != 1 || alignment % readAlignment != 0) {
            throw new IllegalArgumentException("read alignment " + readAlignment + " of " + path
                    + " must be a power of two no larger than the alignment " + alignment);
        }
        this.path = path;
        this.id = id;
        this.mode = mode;
        this.alignment = alignment;
        this.readAlignment = readAlignment;
    }

    @Override
    public final Path path() {
        return path;
    }

    @Override
    public final long id() {
        return id;
    }

    @Override
    public final OpenMode mode() {
        return mode;
    }

    @Override
    public final int alignment() {
        return alignment;
    }

    @Override
    public final int readAlignment() {
        return readAlignment;
    }

    /** Counts an operation in; false once the file is closing. */
    protected final boolean acquire() {
        return gate.tryEnter();
    }

    /** Counts an operation out. */
    public final void opDone() {
        gate.exit();
    }

    protected final IllegalStateException closedError(String op) {
        return new IllegalStateException(op + " on closed file " + path);
    }

    @Override
    public final Mono<Integer> read(ReadOp op) {
        return transfer("read", false, op.offset(), op.buffer(), op.bufferOffset(), op.length());
    }

    @Override
    public final Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
        if (mode == OpenMode.READ) {
            return Mono.error(new IllegalStateException("write on " + path + " which is open for reading only"));
        }
        return transfer("write", true, offset, buffer, bufferOffset, length);
    }

    private Mono<Integer> transfer(String name, boolean write, long offset, AlignedBuffer buffer, int bufferOffset,
                                   int length) {
        try {
            Alignment.check(name, path, offset, buffer.address() + bufferOffset, length,
                    write ? alignment : readAlignment);
            if ((long) bufferOffset + length > buffer.capacity()) {
                throw new IllegalArgumentException(name + " on " + path + ": " + length + " bytes at buffer offset "
                        + bufferOffset + " exceed the buffer's " + buffer.capacity() + " bytes");
            }
        } catch (IllegalArgumentException e) {
            return Mono.error(e);
        }
        return Mono.create(sink -> {
            if (!acquire()) {
                sink.error(closedError(name));
                return;
            }
            BufferLoan loan;
            try {
                loan = new BufferLoan(buffer, name, path, sink);
            } catch (IllegalStateException e) {
                opDone();
                sink.error(e);
                return;
            }
            submitTransfer(write, loan, bufferOffset, offset, length);
        });
    }

    /**
     * Starts one counted transfer of {@code length} bytes between the loan's buffer (at {@code bufferOffset}) and
     * the file (at {@code offset}). When it finishes: {@link #opDone()}, then report through the loan.
     */
    protected abstract void submitTransfer(boolean write, BufferLoan loan, int bufferOffset, long offset, int length);

    @Override
    public final Flux<ReadCompletion> readBatch(List<ReadOp> ops) {
        return ReadBatch.create("read", path, ops, this::checkBatch, batch -> {
            for (int i = 0; i < ops.size(); i++) {
                if (!acquire()) {
                    for (int j = 0; j < i; j++) {
                        opDone();
                    }
                    batch.abort(ops, closedError("read"));
                    return;
                }
            }
            submitBatch(batch, ops);
        });
    }

    private void checkBatch(List<ReadOp> ops) {
        for (ReadOp op : ops) {
            Alignment.check("read", path, op.offset(), op.buffer().address() + op.bufferOffset(), op.length(),
                    readAlignment);
        }
    }

    /** Starts every read of the batch (each already counted in): one hop where the engine can. */
    protected abstract void submitBatch(ReadBatch batch, List<ReadOp> ops);

    @Override
    public final Mono<Void> close() {
        return Mono.defer(() -> {
            gate.close();
            return closed.asMono();
        });
    }

    private void startClose() {
        OpenFileSites.closing(this);
        closeNow(closed);
    }

    /** Releases the descriptor (every accepted operation has finished) and completes or fails {@code done}. */
    protected abstract void closeNow(Sinks.One<Void> done);
}
