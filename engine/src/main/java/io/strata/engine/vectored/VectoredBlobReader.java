package io.strata.engine.vectored;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.Alignment;
import io.strata.io.file.DirectFile;
import io.strata.io.file.ReadOp;
import java.io.EOFException;
import org.agrona.DirectBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
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
     * Reads all planned reads, submitting up to {@code maxBatch} of them in one {@link DirectFile#readBatch} hop, and
     * emits each as it completes: within a batch in completion order, batches in list order.
     * {@link VectoredBlobs#sequence()} gives each result's position in {@code reads}.
     *
     * <p>A batch waits for its first buffer only and takes as many more as the pool has free at that moment, so
     * readers sharing a pool never hold some buffers while waiting for others (no deadlock however many read at
     * once). A subscriber holding every result while the pool runs dry still stalls itself: release as you go.
     */
    public Flux<VectoredBlobs> readAll(DirectFile file, List<VectoredRead> reads) {
        Objects.requireNonNull(file, "file");
        if (reads.size() == 1) { // a point lookup: one plain read, none of the batching machinery
            return read(file, reads.get(0)).flux();
        }
        List<VectoredRead> all = List.copyOf(reads);
        return readFrom(file, all, 0).doOnDiscard(VectoredBlobs.class, VectoredBlobs::release);
    }

    private Flux<VectoredBlobs> readFrom(DirectFile file, List<VectoredRead> reads, int from) {
        if (from >= reads.size()) {
            return Flux.empty();
        }
        return Flux.defer(() -> {
            int alignment = file.alignment();
            Span first = Span.of(file, reads.get(from), from);
            return acquire(first, alignment).flatMapMany(firstBuffer -> {
                List<Span> spans = new ArrayList<>();
                List<AlignedBuffer> buffers = new ArrayList<>();
                spans.add(first);
                buffers.add(firstBuffer);
                int next = from + 1;
                try {
                    while (next < reads.size() && spans.size() < maxBatch) {
                        Span s = Span.of(file, reads.get(next), next);
                        AlignedBuffer b = tryAcquire(s, alignment);
                        if (b == null) {
                            break;
                        }
                        spans.add(s);
                        buffers.add(b);
                        next++;
                    }
                } catch (RuntimeException | Error e) {
                    buffers.forEach(AlignedBuffer::release);
                    throw e;
                }
                List<ReadOp> ops = new ArrayList<>(buffers.size());
                for (int i = 0; i < buffers.size(); i++) {
                    ops.add(spans.get(i).op(buffers.get(i)));
                }
                int after = next;
                return file.readBatch(ops).<VectoredBlobs>handle((c, sink) -> {
                    try {
                        sink.next(spans.get(c.index()).open(file, c.op().buffer(), c.bytesRead()));
                    } catch (RuntimeException e) {
                        sink.error(e); // open() released the buffer; the engine releases the rest
                    }
                }).concatWith(Flux.defer(() -> readFrom(file, reads, after)));
            });
        });
    }

    /**
     * As {@link #readAll}, but each read's file blocks come from {@code cache} (loaded into it on a miss) and are
     * copied into the read's buffer, one read after another: for hot data that should be served from memory.
     * Blocks past the end of the file end the read there; {@link VectoredBlobs} then checks that the planned
     * blobs are complete.
     */
    public Flux<VectoredBlobs> readAllCached(DirectFile file, List<VectoredRead> reads, BlockCache cache) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(cache, "cache");
        List<VectoredRead> all = List.copyOf(reads);
        return Flux.range(0, all.size())
                .concatMap(i -> readCached(file, all.get(i), i, cache), 0)
                .doOnDiscard(VectoredBlobs.class, VectoredBlobs::release);
    }

    private Mono<VectoredBlobs> readCached(DirectFile file, VectoredRead read, int sequence, BlockCache cache) {
        int block = BlockCache.BLOCK_SIZE;
        long first = read.start() / block;
        long end = Math.max(first + 1, (read.end() + block - 1) / block);
        if ((end - first) * block > Integer.MAX_VALUE - block) {
            return Mono.error(new IllegalArgumentException(file.path() + ": " + read + " is too large for one read"));
        }
        int length = (int) ((end - first) * block);
        VectoredBlobs ready = readCachedIfReady(file, read, sequence, cache, first, end, length);
        if (ready != null) {
            return Mono.just(ready);
        }
        Mono<AlignedBuffer> lease = length <= pool.bufferSize() ? pool.lease()
                : Mono.fromSupplier(() -> AlignedBuffer.allocate(length, block));
        return lease.flatMap(buf -> {
            // Ours until open() takes it (open releases it on its own failures).
            AtomicBoolean owned = new AtomicBoolean(true);
            return Flux.range(0, (int) (end - first))
                    .concatMap(j -> cache.get(file, first + j)
                            .map(b -> {
                                buf.view().putBytes(j * block, b, 0, b.capacity());
                                return b.capacity();
                            })
                            .onErrorResume(EOFException.class, e -> j > 0 ? Mono.just(-1) : Mono.error(e)), 0)
                    .takeWhile(n -> n >= 0)
                    .reduce(0, Integer::sum)
                    .map(bytes -> {
                        owned.set(false);
                        return VectoredBlobs.open(file.path(), read, sequence, buf, first * block, bytes);
                    })
                    .doFinally(signal -> {
                        if (owned.compareAndSet(true, false)) {
                            buf.release();
                        }
                    });
        });
    }

    /**
     * The read from cached blocks without waiting, when every block is cached and a buffer is free; else null (the
     * caller takes the general path, which loads missing blocks).
     */
    private VectoredBlobs readCachedIfReady(DirectFile file, VectoredRead read, int sequence, BlockCache cache,
                                            long first, long end, int length) {
        int count = (int) (end - first);
        if (count > 4) {
            return null;
        }
        DirectBuffer[] blocks = new DirectBuffer[count];
        int bytes = 0;
        for (int j = 0; j < count; j++) {
            DirectBuffer b = cache.getIfCached(file, first + j);
            if (b == null) {
                return null;
            }
            blocks[j] = b;
            bytes += b.capacity();
        }
        AlignedBuffer buf = length <= pool.bufferSize() ? pool.tryLease() : AlignedBuffer.allocate(length,
                BlockCache.BLOCK_SIZE);
        if (buf == null) {
            return null;
        }
        for (int j = 0; j < count; j++) {
            buf.view().putBytes(j * BlockCache.BLOCK_SIZE, blocks[j], 0, blocks[j].capacity());
        }
        return VectoredBlobs.open(file.path(), read, sequence, buf, first * BlockCache.BLOCK_SIZE, bytes);
    }

    /** A pooled buffer when the read fits one and the pool's alignment suits the file, else a fresh one. */
    private Mono<AlignedBuffer> acquire(Span span, int alignment) {
        if (pooled(span, alignment)) {
            AlignedBuffer free = pool.tryLease(); // the usual case: no waiting machinery
            return free != null ? Mono.just(free) : pool.lease();
        }
        return Mono.fromSupplier(() -> AlignedBuffer.allocate(span.length, alignment));
    }

    /** As {@link #acquire} without waiting: null when the pool has no free buffer. */
    private AlignedBuffer tryAcquire(Span span, int alignment) {
        return pooled(span, alignment) ? pool.tryLease() : AlignedBuffer.allocate(span.length, alignment);
    }

    private boolean pooled(Span span, int alignment) {
        return span.length <= pool.bufferSize() && pool.alignment() % alignment == 0;
    }

    /**
     * One planned read widened to the file's read alignment (the device's logical block size where the engine reads
     * at it: an 8 KiB page behind its blob header is then a 9 KiB read, not 12 KiB).
     */
    private record Span(VectoredRead read, int sequence, long alignedStart, int length) {
        static Span of(DirectFile file, VectoredRead read, int sequence) {
            int a = file.readAlignment();
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
