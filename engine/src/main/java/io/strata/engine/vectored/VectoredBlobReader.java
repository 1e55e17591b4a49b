package io.strata.engine.vectored;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.Alignment;
import io.strata.io.file.DirectFile;
import io.strata.io.file.ReadOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Executes planned {@link VectoredRead}s (Neon's {@code VectoredBlobReader}): each read becomes exactly one
 * O_DIRECT read of its range widened to the file's alignment, into a buffer leased from the pool (or allocated,
 * when the read is larger than the pool's buffers), and is handed out as {@link VectoredBlobs} that own that
 * buffer. Planned ranges are chunk aligned (512 bytes) while O_DIRECT needs the file's alignment (4096), hence
 * the widening; the extra bytes are read but never exposed.
 *
 * <p>Buffer ownership follows {@link DirectFile}: an emitted {@code VectoredBlobs} belongs to the subscriber; on
 * cancel or error the buffers of reads still in flight belong to the engine, which releases them when the kernel
 * is done; buffers not yet handed to the engine are released here. Thread-safe (holds no per-read state).
 */
public final class VectoredBlobReader {
    /** Reads per {@link DirectFile#readBatch} hop by default. */
    public static final int DEFAULT_MAX_BATCH = 32;

    private final AlignedBufferPool pool;
    private final int maxBatch;

    public VectoredBlobReader(AlignedBufferPool pool) {
        this(pool, DEFAULT_MAX_BATCH);
    }

    /** @param maxBatch most reads submitted in one batch (further capped by the pool's capacity) */
    public VectoredBlobReader(AlignedBufferPool pool, int maxBatch) {
        this.pool = Objects.requireNonNull(pool, "pool");
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("max batch must be positive, got " + maxBatch);
        }
        this.maxBatch = maxBatch;
    }

    /** Reads one planned read. Lazy; the emitted blobs belong to the subscriber. */
    public Mono<VectoredBlobs> read(DirectFile file, VectoredRead read) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(read, "read");
        return Mono.defer(() -> {
            Span span = Span.of(file, read, 0);
            return acquire(span, file.alignment()).flatMap(buf -> file.read(span.op(buf))
                    .onErrorResume(e -> {
                        buf.release(); // a failed read gives the buffer back to us
                        return Mono.error(e);
                    })
                    .<VectoredBlobs>handle((n, sink) -> {
                        try {
                            sink.next(span.open(file, buf, n));
                        } catch (RuntimeException e) {
                            sink.error(e); // open() released the buffer
                        }
                    }));
        }).doOnDiscard(VectoredBlobs.class, VectoredBlobs::release);
    }

    /**
     * Reads all planned reads, submitting up to {@code maxBatch} of them (at most the pool's capacity) in one
     * {@link DirectFile#readBatch} hop, and emits each as it completes: within a batch in completion order, batches
     * in list order. {@link VectoredBlobs#sequence()} gives each result's position in {@code reads}. The next batch
     * waits for buffers, so a subscriber holding every result while the pool runs dry stalls: release as you go.
     */
    public Flux<VectoredBlobs> readAll(DirectFile file, List<VectoredRead> reads) {
        Objects.requireNonNull(file, "file");
        List<VectoredRead> all = List.copyOf(reads);
        int batch = Math.max(1, Math.min(maxBatch, pool.capacity()));
        int batches = (all.size() + batch - 1) / batch;
        return Flux.range(0, batches)
                .concatMap(b -> readBatch(file, all, b * batch, Math.min(all.size(), (b + 1) * batch)), 0)
                .doOnDiscard(VectoredBlobs.class, VectoredBlobs::release);
    }

    private Flux<VectoredBlobs> readBatch(DirectFile file, List<VectoredRead> reads, int from, int to) {
        return Flux.defer(() -> {
            int alignment = file.alignment();
            List<Span> spans = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                spans.add(Span.of(file, reads.get(i), i));
            }
            return Flux.fromIterable(spans)
                    .concatMap(s -> acquire(s, alignment), 0)
                    .collectList()
                    .doOnDiscard(AlignedBuffer.class, AlignedBuffer::release)
                    .flatMapMany(buffers -> {
                        List<ReadOp> ops = new ArrayList<>(buffers.size());
                        for (int i = 0; i < buffers.size(); i++) {
                            ops.add(spans.get(i).op(buffers.get(i)));
                        }
                        return file.readBatch(ops).<VectoredBlobs>handle((c, sink) -> {
                            try {
                                sink.next(spans.get(c.index()).open(file, c.op().buffer(), c.bytesRead()));
                            } catch (RuntimeException e) {
                                sink.error(e); // open() released the buffer; the engine releases the rest
                            }
                        });
                    });
        });
    }

    /** A pooled buffer when the read fits one and the pool's alignment suits the file, else a fresh one. */
    private Mono<AlignedBuffer> acquire(Span span, int alignment) {
        if (span.length <= pool.bufferSize() && pool.alignment() % alignment == 0) {
            return pool.lease();
        }
        return Mono.fromSupplier(() -> AlignedBuffer.allocate(span.length, alignment));
    }

    /** One planned read widened to the file's alignment. */
    private record Span(VectoredRead read, int sequence, long alignedStart, int length) {
        static Span of(DirectFile file, VectoredRead read, int sequence) {
            int a = file.alignment();
            long start = Alignment.alignDown(read.start(), a);
            // An empty planned read still has a blob header to look at: read at least one aligned block.
            long end = Math.max(Alignment.alignUp(read.end(), a), start + a);
            if (end - start > Integer.MAX_VALUE - a) {
                throw new IllegalArgumentException(file.path() + ": " + read + " is too large for one read");
            }
            return new Span(read, sequence, start, (int) (end - start));
        }

        ReadOp op(AlignedBuffer buffer) {
            return ReadOp.of(alignedStart, buffer, length);
        }

        VectoredBlobs open(DirectFile file, AlignedBuffer buffer, int bytesRead) {
            return VectoredBlobs.open(file.path(), read, sequence, buffer, alignedStart, bytesRead);
        }
    }
}
