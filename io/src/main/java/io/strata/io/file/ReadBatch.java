package io.strata.io.file;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Engine SPI: the reads of one batch emitting each completion into one Flux.
 *
 * <p>Once the batch is terminated (cancelled, or failed by one read), reads that complete later release their
 * own buffers, and so does the failed read; completions queued in the sink but never delivered are released by
 * the Flux's discard hook. Completions delivered before belong to the subscriber.
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
     * A Flux that, per subscription, marks every op's buffer in flight and hands the batch to {@code submit}.
     * A buffer that is already in flight fails the batch before anything is submitted.
     */
    public static Flux<ReadCompletion> create(String operation, Object target, List<ReadOp> ops,
                                              Consumer<ReadBatch> submit) {
        if (ops.isEmpty()) {
            return Flux.empty();
        }
        return Flux.<ReadCompletion>create(sink -> {
            ReadBatch batch = new ReadBatch(sink, ops.size());
            for (int i = 0; i < ops.size(); i++) {
                try {
                    ops.get(i).buffer().beginIo(operation, target);
                } catch (IllegalStateException e) {
                    for (int j = 0; j < i; j++) {
                        ops.get(j).buffer().endIo();
                    }
                    batch.terminated = true;
                    sink.error(e);
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

    /** Fails the whole batch before an op was submitted (e.g. the file is closed); buffers go back to the caller. */
    public void abort(List<ReadOp> notSubmitted, Throwable error) {
        for (ReadOp op : notSubmitted) {
            op.buffer().endIo();
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
