package io.strata.io.file;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Engine SPI: the reads of one batch emitting each completion into one Flux.
 *
 * <p>From subscription on, the engine owns every buffer of the batch that has not been emitted. Once the batch
 * is terminated (refused, cancelled, or failed by one read), reads that complete later release their own buffers,
 * and so does the failed read; completions queued in the sink but never delivered are released by the Flux's
 * discard hook. Completions delivered before belong to the subscriber.
 */
public final class ReadBatch {
    private final FluxSink<ReadCompletion> sink;
    private final AtomicInteger remaining;
    private volatile boolean terminated;

    private ReadBatch(FluxSink<ReadCompletion> sink, int count) {
        this.sink = sink;
        this.remaining = new AtomicInteger(count);
        sink.onCancel(() -> terminated = true);
    }

    /**
     * A Flux that, per subscription, checks the batch with {@code validate}, marks every op's buffer in flight and
     * hands the batch to {@code submit}. From subscription on, every buffer not yet emitted is the engine's: a batch
     * refused here (invalid, or a buffer already used by another operation) releases its buffers, except one that
     * another operation still uses.
     */
    public static Flux<ReadCompletion> create(String operation, Object target, List<ReadOp> ops,
                                              Consumer<List<ReadOp>> validate, Consumer<ReadBatch> submit) {
        if (ops.isEmpty()) {
            return Flux.empty();
        }
        return Flux.<ReadCompletion>create(sink -> {
            ReadBatch batch = new ReadBatch(sink, ops.size());
            try {
                validate.accept(ops);
            } catch (IllegalArgumentException e) {
                batch.abort(ops, e, false);
                return;
            }
            for (int i = 0; i < ops.size(); i++) {
                try {
                    ops.get(i).buffer().beginIo(operation, target);
                } catch (IllegalStateException e) {
                    batch.abort(ops.subList(0, i), e, true);
                    for (ReadOp later : ops.subList(i + 1, ops.size())) {
                        if (!later.buffer().isInFlight() && later.buffer().isLeased()) {
                            later.buffer().release();
                        }
                    }
                    return;
                }
            }
            submit.accept(batch);
        }, FluxSink.OverflowStrategy.BUFFER).doOnDiscard(ReadCompletion.class, c -> c.op().buffer().release());
    }

    public boolean terminated() {
        return terminated;
    }

    /** Before submission of one op: if the batch is over, release its buffer and report true (do not submit). */
    public boolean dropIfTerminated(ReadOp op) {
        if (terminated) {
            op.buffer().endIo();
            op.buffer().release();
            return true;
        }
        return false;
    }

    /** Fails the whole batch before any op was submitted (e.g. the file is closed) and releases the buffers. */
    public void abort(List<ReadOp> notSubmitted, Throwable error) {
        abort(notSubmitted, error, true);
    }

    private void abort(List<ReadOp> notSubmitted, Throwable error, boolean marked) {
        for (ReadOp op : notSubmitted) {
            if (marked) {
                op.buffer().endIo();
            }
            op.buffer().release();
        }
        fail(error);
    }

    public void succeeded(int index, ReadOp op, int bytes) {
        op.buffer().endIo();
        if (terminated) {
            op.buffer().release();
            return;
        }
        sink.next(new ReadCompletion(index, op, bytes));
        if (remaining.decrementAndGet() == 0) {
            sink.complete();
        }
    }

    public void failed(ReadOp op, Throwable error) {
        op.buffer().endIo();
        op.buffer().release();
        fail(error);
    }

    private void fail(Throwable error) {
        if (!terminated) {
            terminated = true;
            sink.error(error);
        }
    }
}
