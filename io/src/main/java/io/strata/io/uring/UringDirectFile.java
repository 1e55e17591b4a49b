package io.strata.io.uring;

import io.netty.channel.unix.FileDescriptor;
import io.strata.io.file.AbstractDirectFile;
import io.strata.io.file.BufferLoan;
import io.strata.io.file.Errno;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadBatch;
import io.strata.io.file.ReadOp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.agrona.BufferUtil;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * A file opened through an io_uring ring. The descriptor is closed only after every operation that was
 * accepted has completed, so a reused descriptor number can never receive a stale operation.
 */
final class UringDirectFile extends AbstractDirectFile {
    private static final int STATX_SIZE_MASK = 0x200;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_STRUCT_SIZE = 256;
    private static final int STX_SIZE_OFFSET = 40;

    private final UringIoEngine engine;
    private final int fd;

    UringDirectFile(UringIoEngine engine, Path path, long id, OpenMode mode, int fd, int alignment,
                    int readAlignment) {
        super(path, id, mode, alignment, readAlignment);
        this.engine = engine;
        this.fd = fd;
    }

    int fd() {
        return fd;
    }

    @Override
    protected void submitTransfer(boolean write, BufferLoan loan, int bufferOffset, long offset, int length) {
        engine.pick().submit(new TransferOp(this, write, loan, bufferOffset, offset, length));
    }

    @Override
    protected void submitBatch(ReadBatch batch, List<ReadOp> ops) {
        List<TransferOp> members = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            members.add(new TransferOp(this, batch, i, ops.get(i)));
        }
        engine.pick().submitAll(members);
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
    protected void closeNow(Sinks.One<Void> done) {
        engine.pick().submit(new SimpleOp("close", path, -1, UringOp.OP_CLOSE, fd, 0, 0, 0, 0, null,
                new SimpleOp.Callback() {
                    @Override
                    public void success(int res) {
                        engine.fileClosed();
                        done.tryEmitEmpty();
                    }

                    @Override
                    public void error(Throwable error) {
                        engine.fileClosed(); // close(2) releases the descriptor even when it reports an error
                        done.tryEmitError(error);
                    }

                    @Override
                    public void notSubmitted(Throwable error) {
                        // The ring is gone (the engine shut down while this file's last operation was in flight):
                        // close the descriptor directly, or it would stay open for the life of the process.
                        try {
                            new FileDescriptor(fd).close();
                            engine.fileClosed();
                            done.tryEmitEmpty();
                        } catch (IOException | RuntimeException e) {
                            e.addSuppressed(error);
                            done.tryEmitError(new IoOperationException("close", path, -1, 0, e));
                        }
                    }
                }, null));
    }

    @Override
    public String toString() {
        return "UringDirectFile{" + path + ", fd=" + fd + ", mode=" + mode() + '}';
    }
}
