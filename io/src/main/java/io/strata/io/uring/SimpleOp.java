package io.strata.io.uring;

import io.netty.channel.uring.IoUringIoOps;
import io.strata.io.file.Errno;
import io.strata.io.file.IoOperationException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import reactor.core.publisher.MonoSink;

/**
 * An operation with an integer result and no data buffer: open, close, fsync, fallocate, ftruncate, rename,
 * unlink, statx. {@code keepAlive} holds native memory (paths, the statx struct) the kernel reads or writes
 * until completion.
 */
final class SimpleOp extends UringOp {
    /** Receives the outcome on the loop. */
    interface Callback {
        void success(int res);

        void error(Throwable error);

        /**
         * The operation failed before it reached the kernel (the ring is shut down or its registration is gone):
         * nothing happened to the file. Defaults to {@link #error(Throwable)}.
         */
        default void notSubmitted(Throwable error) {
            error(error);
        }

        static Callback of(MonoSink<Integer> sink) {
            return new Callback() {
                @Override
                public void success(int res) {
                    sink.success(res);
                }

                @Override
                public void error(Throwable error) {
                    sink.error(error);
                }
            };
        }
    }

    private final String name;
    private final Path path;
    private final long errorOffset;
    private final byte opcode;
    private final int fd;
    private final long off;
    private final long addr;
    private final int len;
    private final int union3;
    @SuppressWarnings("unused") // referenced so the GC keeps the native memory alive until completion
    private final ByteBuffer keepAlive;
    private final Callback callback;
    private final Runnable done;

    SimpleOp(String name, Path path, long errorOffset, byte opcode, int fd, long off, long addr, int len, int union3,
             ByteBuffer keepAlive, Callback callback, Runnable done) {
        this.name = name;
        this.path = path;
        this.errorOffset = errorOffset;
        this.opcode = opcode;
        this.fd = fd;
        this.off = off;
        this.addr = addr;
        this.len = len;
        this.union3 = union3;
        this.keepAlive = keepAlive;
        this.callback = callback;
        this.done = done;
    }

    @Override
    IoUringIoOps toIoOps(short data) {
        return ops(opcode, fd, off, addr, len, union3, data, 0);
    }

    @Override
    boolean complete(int res) {
        if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
            return false;
        }
        if (done != null) {
            done.run();
        }
        if (res < 0) {
            callback.error(new IoOperationException(name, path, errorOffset, -res));
        } else {
            callback.success(res);
        }
        return true;
    }

    @Override
    void fail(Throwable error) {
        if (done != null) {
            done.run();
        }
        callback.notSubmitted(new IoOperationException(name, path, errorOffset, 0, error));
    }
}
