package io.strata.io.uring;

import io.netty.channel.uring.IoUringIoOps;
import io.strata.io.file.BufferLoan;
import io.strata.io.file.Errno;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.ReadBatch;
import io.strata.io.file.ReadOp;

/**
 * A read or write of one buffer region. Resumes short transfers: a read that returns less than asked but a whole
 * number of blocks is continued; a read that returns a partial block has reached the end of the file.
 * The result goes either to a {@link BufferLoan} (a single operation) or to a {@link ReadBatch} member.
 */
final class TransferOp extends UringOp {
    private final UringDirectFile file;
    private final boolean write;
    private final long offset;
    private final long address;
    private final int length;
    private final BufferLoan loan;
    private final ReadBatch batch;
    private final int batchIndex;
    private final ReadOp batchOp;
    private int done;

    /** {@value #SUBMIT_AT_ONCE_PROPERTY}: the size from which a transfer is submitted at once; 0 turns it off. */
    static final String SUBMIT_AT_ONCE_PROPERTY = "strata.io.uring.submitAtOnceBytes";
    /**
     * Transfers of at least this many bytes (64 KiB unless {@link #SUBMIT_AT_ONCE_PROPERTY} says otherwise) go to the
     * kernel as soon as they are queued: one io_uring_enter each, microseconds against the milliseconds such a
     * transfer spends at the disk. An L0 compaction queues its 256 KiB reads and writes from inside long completion
     * callbacks (the merge and the layer writer run there); with the entries left for the end of the callback, the
     * disk saw about 10 requests on average, with them submitted at once 15-20 (sampled every 50 ms).
     */
    static final int SUBMIT_AT_ONCE_BYTES = submitAtOnceBytes();

    /** A single read or write. */
    TransferOp(UringDirectFile file, boolean write, BufferLoan loan, int bufferOffset, long offset, int length) {
        this.file = file;
        this.write = write;
        this.offset = offset;
        this.address = loan.buffer().address() + bufferOffset;
        this.length = length;
        this.loan = loan;
        this.batch = null;
        this.batchIndex = -1;
        this.batchOp = null;
    }

    /** One read of a batch. */
    TransferOp(UringDirectFile file, ReadBatch batch, int index, ReadOp op) {
        this.file = file;
        this.write = false;
        this.offset = op.offset();
        this.address = op.buffer().address() + op.bufferOffset();
        this.length = op.length();
        this.loan = null;
        this.batch = batch;
        this.batchIndex = index;
        this.batchOp = op;
    }

    @Override
    boolean cancelledBeforeSubmit() {
        boolean dropped = loan != null ? loan.dropIfCancelled() : batch.dropIfTerminated(batchOp);
        if (dropped) {
            file.opDone();
        }
        return dropped;
    }

    @Override
    IoUringIoOps toIoOps(short data) {
        return ops(write ? OP_WRITE : OP_READ, file.fd(), offset + done, address + done, length - done, 0, data, 0);
    }

    @Override
    boolean complete(int res) {
        if (res < 0) {
            if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
                return false;
            }
            fail(new IoOperationException(write ? "write" : "read", file.path(), offset + done, -res));
            return true;
        }
        if (res == 0) {
            if (write) {
                fail(new IoOperationException("write", file.path(), offset + done, Errno.EIO,
                        new IllegalStateException("write made no progress: " + (length - done) + " bytes left")));
            } else {
                succeed(done); // end of file
            }
            return true;
        }
        done += res;
        if (done < length) {
            if (!write && (res & (file.readAlignment() - 1)) != 0) {
                succeed(done); // a partial block: the file ends here
                return true;
            }
            return false; // resume the rest
        }
        succeed(done);
        return true;
    }

    private void succeed(int bytes) {
        file.opDone();
        if (loan != null) {
            loan.succeeded(bytes);
        } else {
            batch.succeeded(batchIndex, batchOp, bytes);
        }
    }

    @Override
    void fail(Throwable error) {
        file.opDone();
        if (loan != null) {
            loan.failed(error);
        } else {
            batch.failed(batchOp, error);
        }
    }

    @Override
    boolean submitAtOnce() {
        return SUBMIT_AT_ONCE_BYTES > 0 && length - done >= SUBMIT_AT_ONCE_BYTES;
    }

    private static int submitAtOnceBytes() {
        Integer v = Integer.getInteger(SUBMIT_AT_ONCE_PROPERTY);
        return v == null ? 64 * 1024 : v;
    }
}
