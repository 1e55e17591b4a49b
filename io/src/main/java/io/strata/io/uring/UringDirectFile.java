package io.strata.io.uring;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.file.Alignment;
import io.strata.io.file.BufferLoan;
import io.strata.io.file.DirectFile;
import io.strata.io.file.Errno;
import io.strata.io.file.InFlightGate;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadCompletion;
import io.strata.io.file.ReadBatch;
import io.strata.io.file.ReadOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.agrona.BufferUtil;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * A file opened through an io_uring ring. The descriptor is closed only after every operation that was
 * accepted has completed, so a reused descriptor number can never receive a stale operation.
 */
final class UringDirectFile implements DirectFile {
    private static final int STATX_SIZE_MASK = 0x200;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_STRUCT_SIZE = 256;
    private static final int STX_SIZE_OFFSET = 40;

    private final UringIoEngine engine;
    private final Path path;
    private final long id;
    private final OpenMode mode;
    private final int fd;
    private final int alignment;
    private final InFlightGate gate = new InFlightGate(this::submitClose);
    private final Sinks.One<Void> closed = Sinks.one();

    UringDirectFile(UringIoEngine engine, Path path, long id, OpenMode mode, int fd, int alignment) {
        this.engine = engine;
        this.path = path;
        this.id = id;
        this.mode = mode;
        this.fd = fd;
        this.alignment = alignment;
    }

    int fd() {
        return fd;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public OpenMode mode() {
        return mode;
    }

    @Override
    public int alignment() {
        return alignment;
    }

    private boolean acquire() {
        return gate.tryEnter();
    }

    /** Counts an operation out (on completion, or when it is dropped before submission). */
    void opDone() {
        gate.exit();
    }

    private IllegalStateException closedError(String op) {
        return new IllegalStateException(op + " on closed file " + path);
    }

    @Override
    public Mono<Integer> read(ReadOp op) {
        return transfer("read", false, op.offset(), op.buffer(), op.bufferOffset(), op.length());
    }

    @Override
    public Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
        if (mode == OpenMode.READ) {
            return Mono.error(new IllegalStateException("write on " + path + " which is open for reading only"));
        }
        return transfer("write", true, offset, buffer, bufferOffset, length);
    }

    private Mono<Integer> transfer(String name, boolean write, long offset, AlignedBuffer buffer, int bufferOffset,
                                   int length) {
        try {
            Alignment.check(name, path, offset, buffer.address() + bufferOffset, length, alignment);
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
                loan = new BufferLoan(buffer, name + " on " + path, sink);
            } catch (IllegalStateException e) {
                opDone();
                sink.error(e);
                return;
            }
            engine.pick().submit(new TransferOp(this, write, loan, bufferOffset, offset, length));
        });
    }

    @Override
    public Flux<ReadCompletion> readBatch(List<ReadOp> ops) {
        for (ReadOp op : ops) {
            try {
                Alignment.check("read", path, op.offset(), op.buffer().address() + op.bufferOffset(), op.length(),
                        alignment);
            } catch (IllegalArgumentException e) {
                return Flux.error(e);
            }
        }
        return ReadBatch.create("read on " + path, ops, batch -> {
            List<TransferOp> members = new ArrayList<>(ops.size());
            for (int i = 0; i < ops.size(); i++) {
                if (!acquire()) {
                    for (int j = 0; j < i; j++) {
                        opDone();
                    }
                    batch.abort(ops, closedError("read"));
                    return;
                }
                members.add(new TransferOp(this, batch, i, ops.get(i)));
            }
            engine.pick().submitAll(members);
        });
    }

    @Override
    public Mono<Void> fallocate(long offset, long length) {
        if (offset < 0 || length <= 0) {
            return Mono.error(new IllegalArgumentException("fallocate on " + path + ": bad range offset=" + offset
                    + " length=" + length));
        }
        // fallocate: off = offset, addr = length, len = mode
        return simple("fallocate", offset, UringOp.OP_FALLOCATE, offset, length, 0, 0, null).then();
    }

    @Override
    public Mono<Void> truncate(long length) {
        if (length < 0) {
            return Mono.error(new IllegalArgumentException("truncate on " + path + ": negative length " + length));
        }
        return simple("ftruncate", length, UringOp.OP_FTRUNCATE, length, 0, 0, 0, null)
                .onErrorResume(e -> e instanceof IoOperationException io && io.errno() == Errno.EINVAL,
                        e -> truncateFallback(length))
                .then();
    }

    /** Kernels before 6.9 have no IORING_OP_FTRUNCATE: do it on a thread made for blocking calls. */
    private Mono<Integer> truncateFallback(long length) {
        return Mono.fromCallable(() -> {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.truncate(length);
            } catch (java.io.IOException e) {
                throw new IoOperationException("truncate", path, length, 0, e);
            }
            return 0;
        }).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Mono<Void> fsync() {
        return simple("fsync", -1, UringOp.OP_FSYNC, 0, 0, 0, 0, null).then();
    }

    @Override
    public Mono<Long> size() {
        return Mono.defer(() -> {
            // statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, buf): off = statx buffer, addr = path, len = mask
            ByteBuffer mem = ByteBuffer.allocateDirect(STATX_STRUCT_SIZE + 8).order(ByteOrder.nativeOrder());
            long base = BufferUtil.address(mem);
            long emptyPath = base + STATX_STRUCT_SIZE; // a NUL byte
            mem.put(STATX_STRUCT_SIZE, (byte) 0);
            return simpleOn(fd, "statx", -1, (byte) 21, base, emptyPath, STATX_SIZE_MASK, AT_EMPTY_PATH, mem)
                    .map(ignored -> mem.getLong(STX_SIZE_OFFSET));
        });
    }

    private Mono<Integer> simple(String name, long errOffset, byte opcode, long off, long addr, int len, int union3,
                                 ByteBuffer keepAlive) {
        return simpleOn(fd, name, errOffset, opcode, off, addr, len, union3, keepAlive);
    }

    private Mono<Integer> simpleOn(int opFd, String name, long errOffset, byte opcode, long off, long addr, int len,
                                   int union3, ByteBuffer keepAlive) {
        return Mono.create(sink -> {
            if (!acquire()) {
                sink.error(closedError(name));
                return;
            }
            engine.pick().submit(new SimpleOp(name, path, errOffset, opcode, opFd, off, addr, len, union3, keepAlive,
                    SimpleOp.Callback.of(sink), this::opDone));
        });
    }

    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            gate.close();
            return closed.asMono();
        });
    }

    private void submitClose() {
        engine.pick().submit(new SimpleOp("close", path, -1, UringOp.OP_CLOSE, fd, 0, 0, 0, 0, null,
                new SimpleOp.Callback() {
                    @Override
                    public void success(int res) {
                        engine.fileClosed();
                        closed.tryEmitEmpty();
                    }

                    @Override
                    public void error(Throwable error) {
                        engine.fileClosed();
                        closed.tryEmitError(error);
                    }
                }, null));
    }

    @Override
    public String toString() {
        return "UringDirectFile{" + path + ", fd=" + fd + ", mode=" + mode + '}';
    }
}
