package io.strata.engine.layer;

import io.strata.engine.blob.BlobWriter;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.btree.BuiltTree;
import io.strata.engine.btree.DiskBtreeBuilder;
import io.strata.io.write.DirectFileWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.agrona.DirectBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The writing procedure image and delta layers share (FORMAT 8, 9.3): blobs from offset 8192 through a
 * {@link BlobWriter}, index entries into a {@link DiskBtreeBuilder} whose blocks stay in memory until the values
 * are done (Neon's {@code BlockBuf}: the index follows the values in the file), and on finish the zero padding to
 * a block boundary, the index blocks, the summary in block 0, fsync, rename and directory fsync.
 *
 * <p>Writes are synchronous into the blob buffer; the only asynchronous step per value is
 * {@link #flushIfNeeded()}, a shared empty Mono unless 64 KiB are buffered. Not thread-safe: calls are sequential.
 * On a failed or cancelled finish, and on {@link #abort()}, the temporary file is removed.
 */
public final class LayerFileWriter {
    private static final ByteBuffer ZERO_BLOCK = ByteBuffer.allocate(LayerFormat.PAGE_SZ).asReadOnlyBuffer();

    private final DirectFileWriter file;
    private final BlobWriter blobs;
    private final DiskBtreeBuilder index;
    private final List<ByteBuffer> indexBlocks = new ArrayList<>();
    private boolean finishing;
    private volatile boolean aborted;

    private LayerFileWriter(DirectFileWriter file, int keyLen, ImageCompressionAlgorithm compression) {
        this.file = file;
        this.blobs = BlobWriter.forFile(file, compression);
        this.index = new DiskBtreeBuilder(keyLen, indexBlocks::add);
    }

    /**
     * O_DIRECT writes a layer file keeps in the kernel: with the engine's 256 KiB write buffers, 8 MiB. Four (1 MiB)
     * left L0 compaction's merge waiting for its writer: 311-393 MiB/s against 349-443 with sixteen; with the large
     * transfers submitted at once, 32 gave 623-677 MiB/s against 560-627 with sixteen (alternating runs of a 1 GiB L0
     * compaction, which reads as much as it writes: its writer waited for the oldest write about 1.2 s of 1.7 with
     * sixteen, 0.6-0.8 s with 32). Buffers come from the shared write pool, so writers beyond its size wait for each
     * other rather than use more memory.
     */
    static final int WRITES_IN_FLIGHT = 32;

    /**
     * Creates {@code tempPath} (which must not exist) with the summary block reserved.
     *
     * @param plannedPath the final path if known now (used in messages and as the default rename target)
     */
    public static Mono<LayerFileWriter> create(LayerWriteContext ctx, Path plannedPath, Path tempPath, int keyLen,
                                               ImageCompressionAlgorithm compression) {
        DirectFileWriter.Options options = DirectFileWriter.Options.defaults()
                .withReservedPrefix(LayerFormat.PAGE_SZ).withMaxInFlight(WRITES_IN_FLIGHT);
        return DirectFileWriter.create(ctx.engine(), ctx.pool(), plannedPath, tempPath, options)
                .map(f -> new LayerFileWriter(f, keyLen, compression));
    }

    public Path tempPath() {
        return file.tempPath();
    }

    /** Writes one blob (compressed if configured and worth it); returns its header's file offset. */
    public long writeBlob(DirectBuffer payload, int offset, int length) {
        checkOpen();
        return blobs.writeBlob(payload, offset, length);
    }

    /** Writes one uncompressed blob of {@code prefix[0, prefixLength)} then {@code payload}; returns its offset. */
    public long writeBlobUncompressed(DirectBuffer prefix, int prefixLength, byte[] payload) {
        checkOpen();
        return blobs.writeBlobUncompressed(prefix, prefixLength, payload);
    }

    /** Copies an encoded blob (header included) unchanged; returns its file offset. */
    public long writeBlobRaw(DirectBuffer raw, int offset, int length) {
        checkOpen();
        return blobs.writeBlobRaw(raw, offset, length);
    }

    /** Adds an index entry; keys must be strictly increasing (the builder checks it again). */
    public void appendIndex(byte[] key, long value) {
        checkOpen();
        index.append(key, value);
    }

    /** Hands buffered blobs to the file when 64 KiB are buffered; otherwise an already completed constant. */
    public Mono<Void> flushIfNeeded() {
        return blobs.flushIfNeeded();
    }

    /** File offset the next blob gets: the values written so far, summary block included. */
    public long valuesSize() {
        return blobs.size();
    }

    /** Bytes of index blocks emitted so far (the open nodes are not counted, as in Neon's estimate). */
    public long indexSize() {
        return (long) indexBlocks.size() * LayerFormat.PAGE_SZ;
    }

    /**
     * Completes the file: flushes the values, pads to a block boundary, appends the index, writes the summary
     * {@code summary} builds from the layout into block 0, and renames the file to {@code target}.
     *
     * @param maxFileSize the largest acceptable file; a larger one fails (and is removed) before it is renamed
     */
    public Mono<IndexLayout> finish(Function<IndexLayout, LayerSummary> summary, Path target, long maxFileSize) {
        return Mono.defer(() -> {
            checkOpen();
            finishing = true;
            BuiltTree tree = index.finish();
            return blobs.flush().then(Mono.defer(() -> {
                long valuesEnd = blobs.size();
                long indexStart = ceilDiv(valuesEnd, LayerFormat.PAGE_SZ);
                long fileSize = (indexStart + tree.blockCount()) * LayerFormat.PAGE_SZ;
                IndexLayout layout = new IndexLayout(indexStart, tree.rootBlock(), tree.blockCount(), fileSize);
                if (fileSize > maxFileSize) {
                    return Mono.error(new IllegalStateException("layer file " + target + " would be " + fileSize
                            + " bytes, above the limit of " + maxFileSize));
                }
                ByteBuffer summaryBlock = summary.apply(layout).toBlock();
                int pad = (int) (indexStart * LayerFormat.PAGE_SZ - valuesEnd);
                return file.append(ZERO_BLOCK.duplicate().limit(pad))
                        .thenMany(Flux.fromIterable(indexBlocks).concatMap(file::append, 1))
                        .then(Mono.defer(() -> {
                            if (file.position() != fileSize) {
                                return Mono.error(new IllegalStateException("layer file " + target + " is "
                                        + file.position() + " bytes, expected " + fileSize));
                            }
                            indexBlocks.clear();
                            return file.finish(summaryBlock, target);
                        }))
                        .thenReturn(layout);
            }));
        }).onErrorResume(e -> abort().then(Mono.error(e)))
                .doOnCancel(() -> abort().subscribe(null, e -> { }))
                .doFinally(s -> blobs.close());
    }

    /** Gives up: removes the temporary file. Idempotent; a no-op after a successful finish. */
    public Mono<Void> abort() {
        return Mono.defer(() -> {
            aborted = true;
            blobs.close();
            return file.abort();
        });
    }

    private void checkOpen() {
        if (aborted) {
            throw new IllegalStateException("layer writer for " + file.tempPath() + " was aborted");
        }
        if (finishing) {
            throw new IllegalStateException("layer writer for " + file.tempPath() + " is finishing or finished");
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
