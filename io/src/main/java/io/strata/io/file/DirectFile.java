package io.strata.io.file;

import io.strata.io.buffer.AlignedBuffer;
import java.nio.file.Path;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An open file doing O_DIRECT I/O. All operations are lazy (nothing happens until subscription) and
 * non-blocking for the subscriber's thread. Offsets, lengths and buffer addresses must be multiples of
 * {@link #alignment()} ({@link #readAlignment()} for reads); a misaligned request fails with
 * IllegalArgumentException before reaching the kernel.
 *
 * <p><b>Buffer ownership.</b> A buffer passed to {@link #read} or {@link #write} is lent to it. On success or
 * error it is the caller's again. If the subscriber cancels while the operation is in flight, ownership passes to
 * the engine, which releases the buffer as soon as the kernel is done with it; the caller must not touch it
 * afterwards. {@link #readBatch} is simpler to use from a pipeline: once subscribed, the engine owns every buffer
 * of the batch until it emits that buffer's completion; whatever ends the batch early (refusal, error, cancel),
 * the engine releases the buffers it did not emit.
 *
 * <p>Failures are {@link IoOperationException}s naming the operation, the path, the offset and the errno.
 */
public interface DirectFile {
    Path path();

    /** A process-unique id, stable while the file is open: the key of cached blocks. */
    long id();

    OpenMode mode();

    /** The O_DIRECT alignment for offsets, lengths and buffer addresses. */
    int alignment();

    /**
     * The O_DIRECT alignment of a read's offset, length and buffer address: {@link #alignment()} or finer (the
     * device's logical block size, where the engine reads at that grain). Writes keep {@link #alignment()}.
     */
    default int readAlignment() {
        return alignment();
    }

    /**
     * Reads {@code length} bytes at {@code offset} into {@code buffer} at position 0. Emits the bytes read:
     * {@code length} unless the file ends first (then fewer, 0 at or past the end).
     */
    default Mono<Integer> read(long offset, AlignedBuffer buffer, int length) {
        return read(ReadOp.of(offset, buffer, length));
    }

    Mono<Integer> read(ReadOp op);

    /**
     * Submits all reads together (one hop to the ring) and emits each completion as it happens, in completion
     * order. Each op needs its own buffer. The buffers of reads not emitted are released by the engine, whatever
     * ends the batch (see the ownership rule above).
     */
    Flux<ReadCompletion> readBatch(List<ReadOp> ops);

    /** Writes {@code length} bytes from the start of {@code buffer} at {@code offset}; emits {@code length}. */
    default Mono<Integer> write(long offset, AlignedBuffer buffer, int length) {
        return write(offset, buffer, 0, length);
    }

    /** Writes {@code length} bytes from {@code buffer} at {@code bufferOffset}; short writes are resumed. */
    Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length);

    /**
     * {@link #write(long, AlignedBuffer, int)} checked against its contract: completes once all {@code length}
     * bytes are written, and fails with an {@link IoOperationException} naming the path and where the write
     * stopped if the engine reports fewer. Writers use this rather than trusting the count.
     */
    default Mono<Void> writeAll(long offset, AlignedBuffer buffer, int length) {
        return write(offset, buffer, 0, length).flatMap(n -> n == length ? Mono.<Void>empty()
                : Mono.error(new IoOperationException("write", path(), offset + n, 0,
                        new IllegalStateException("short write: " + n + " of " + length + " bytes written"))));
    }

    /** Reserves {@code length} bytes at {@code offset} (fallocate mode 0): later appends do not allocate. */
    Mono<Void> fallocate(long offset, long length);

    /** Sets the file length (the logical end after padded direct writes). */
    Mono<Void> truncate(long length);

    /** Makes written data and metadata durable (fsync). */
    Mono<Void> fsync();

    /** The file length now. */
    Mono<Long> size();

    /** Closes the file once; later operations fail. Idempotent. */
    Mono<Void> close();
}
