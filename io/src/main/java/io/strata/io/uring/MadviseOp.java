package io.strata.io.uring;

import io.netty.channel.uring.IoUringIoOps;
import io.strata.io.buffer.MemoryRegion;
import io.strata.io.file.IoOperationException;
import java.nio.file.Path;

/**
 * madvise(2) of a memory region through the ring (IORING_OP_MADVISE: addr, len, advice in {@code fadvise_advice}).
 * Unlike {@link SimpleOp}, an EAGAIN is the answer (MADV_COLLAPSE found no huge page free), not a reason to retry.
 */
final class MadviseOp extends UringOp {
    private static final Path MEMORY = Path.of("[memory]");

    private final MemoryRegion region;
    private final int advice;
    private final SimpleOp.Callback callback;

    MadviseOp(MemoryRegion region, int advice, SimpleOp.Callback callback) {
        if (region.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("madvise of " + region.length() + " bytes: at most 2 GiB at once");
        }
        this.region = region;
        this.advice = advice;
        this.callback = callback;
    }

    @Override
    IoUringIoOps toIoOps(short data) {
        return ops(OP_MADVISE, -1, 0, region.address(), (int) region.length(), advice, data, 0);
    }

    @Override
    boolean complete(int res) {
        if (res < 0) {
            callback.error(new IoOperationException("madvise(" + advice + ") of " + region.length() + " bytes at 0x"
                    + Long.toHexString(region.address()), MEMORY, -1, -res));
        } else {
            callback.success(res);
        }
        return true;
    }

    @Override
    void fail(Throwable error) {
        callback.notSubmitted(new IoOperationException("madvise(" + advice + ")", MEMORY, -1, 0, error));
    }
}
