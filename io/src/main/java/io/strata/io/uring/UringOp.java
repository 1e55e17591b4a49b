package io.strata.io.uring;

import io.netty.channel.uring.IoUringIoOps;

/**
 * One operation handed to a ring. Lives on the ring's loop from submission to completion: the ring keeps it in
 * a slot and passes the slot index as the 16-bit completion data. {@link #complete(int)} runs on the loop and
 * returns true when the operation is finished, false when it was re-armed (a short read or write resumed).
 */
abstract class UringOp {
    static final byte OP_FSYNC = 3;
    static final byte OP_FALLOCATE = 17;
    static final byte OP_OPENAT = 18;
    static final byte OP_CLOSE = 19;
    static final byte OP_READ = 22;
    static final byte OP_WRITE = 23;
    static final byte OP_MADVISE = 25;
    static final byte OP_RENAMEAT = 35;
    static final byte OP_UNLINKAT = 36;
    static final byte OP_FTRUNCATE = 55;

    static final int AT_FDCWD = -100;

    /** Builds the submission entry; {@code data} is the slot index as a sign-extended short. */
    abstract IoUringIoOps toIoOps(short data);

    /** Called on the loop with the completion's result ({@code -errno} on failure). */
    abstract boolean complete(int res);

    /** Called on the loop when the ring refuses or loses the operation (shutdown, submission failure). */
    abstract void fail(Throwable error);

    /**
     * Whether the ring hands this entry to the kernel as soon as it is queued, rather than with the others queued
     * by the same completion or loop task (see {@link Ring#submitOnLoop}).
     */
    boolean submitAtOnce() {
        return false;
    }

    /** Whether the subscriber already went away before submission; then the op is dropped, not submitted. */
    boolean cancelledBeforeSubmit() {
        return false;
    }

    static IoUringIoOps ops(byte opcode, int fd, long off, long addr, int len, int union3, short data, long union6) {
        return new IoUringIoOps(opcode, (byte) 0, (short) 0, fd, off, addr, len, union3, data, (short) 0, (short) 0, 0,
                union6);
    }
}
