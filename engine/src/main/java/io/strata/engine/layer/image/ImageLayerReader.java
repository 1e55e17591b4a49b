package io.strata.engine.layer.image;

import io.strata.engine.btree.BtreeCorruptionException;
import io.strata.engine.btree.DiskBtreeReader;
import io.strata.engine.key.Key;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerFile;
import io.strata.engine.layer.SummaryRewriter;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import java.nio.file.Path;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An open image layer (Neon's {@code ImageLayerInner}): its checked summary and its index of 18-byte keys mapping
 * to blob offsets. Value reads (planners, iterators, {@code filter}) are built on {@link #index()} and
 * {@link #file()}. Thread-safe; {@link #close()} when done.
 */
public final class ImageLayerReader {
    private final LayerFile<ImageLayerSummary> layer;

    private ImageLayerReader(LayerFile<ImageLayerSummary> layer) {
        this.layer = layer;
    }

    /**
     * Opens {@code path}, reads block 0 through {@code cache} and checks it: magic, version, an index inside the
     * file, and, when {@code expected} is not null, Neon's comparison with the expected summary.
     *
     * @return fails with {@link LayerCorruptionException} or
     *         {@link io.strata.engine.layer.LayerSummaryMismatchException}, both naming the file
     */
    public static Mono<ImageLayerReader> open(IoEngine engine, BlockCache cache, Path path,
                                              ImageLayerSummary expected) {
        return LayerFile.open(engine, cache, path, ImageLayerSummary.FORMAT, expected).map(ImageLayerReader::new);
    }

    /**
     * Replaces the summary of the image layer at {@code path} with {@code rewrite(current)}, rewriting block 0
     * only, and fsyncs. Fails without writing if block 0 is not an image summary.
     */
    public static Mono<Void> rewriteSummary(IoEngine engine, Path path,
                                            Function<ImageLayerSummary, ImageLayerSummary> rewrite) {
        return SummaryRewriter.rewrite(engine, path, ImageLayerSummary.FORMAT, rewrite);
    }

    public Path path() {
        return layer.path();
    }

    public ImageLayerSummary summary() {
        return layer.summary();
    }

    public DirectFile file() {
        return layer.file();
    }

    public long fileSize() {
        return layer.fileSize();
    }

    /** The end of the values region: where the last blob's extent ends (FORMAT 10.5 for images alike). */
    public long valuesEnd() {
        return layer.valuesEnd();
    }

    /** The index: 18-byte keys to blob header offsets, read through the block cache. */
    public DiskBtreeReader index() {
        return layer.index();
    }

    /**
     * The keys stored in the layer within its key range, ascending (Neon's {@code load_keys}). Use
     * {@code collectList()} for Neon's Vec. A corrupt index fails with {@link LayerCorruptionException}.
     */
    public Flux<Key> loadKeys() {
        Key end = summary().keyRange().end();
        return Flux.defer(() -> {
            byte[] buf = new byte[Key.KEY_SIZE];
            return index().forward(new byte[Key.KEY_SIZE])
                    .map(e -> Key.read(e.key(buf), 0))
                    .takeWhile(k -> k.compareTo(end) < 0);
        }).onErrorMap(BtreeCorruptionException.class,
                e -> new LayerCorruptionException(path(), "index: " + e.getMessage(), e));
    }

    /** Drops the file's cached blocks and closes it. Idempotent. */
    /**
     * Every value of the layer in (key, lsn) order, read in batches planned by the StreamingVectoredReadPlanner
     * (whole-index walk, FORMAT 11.3) with buffers from {@code pool}; backpressure-aware, and cancelling releases
     * every buffer. Delta blobs are decoded as {@code Value}, image blobs wrapped as {@code Value.Image}.
     */
    public reactor.core.publisher.Flux<io.strata.engine.layer.LayerEntry> iterator(
            io.strata.io.buffer.AlignedBufferPool pool, io.strata.engine.layer.IteratorOptions options) {
        throw new UnsupportedOperationException("API stub: implemented on the iterator branch");
    }

    /**
     * Neon's ImageLayerInner::filter: copies, as raw blobs, every key of this layer that {@code shard} keeps
     * (planned with the VectoredReadPlanner and its shard filter) into {@code writer}; emits the number of keys
     * copied. The caller finishes (or aborts, when 0) the writer.
     */
    public Mono<Long> filter(io.strata.engine.key.ShardIdentity shard, ImageLayerWriter writer,
                             io.strata.io.buffer.AlignedBufferPool pool) {
        throw new UnsupportedOperationException("API stub: implemented on the iterator branch");
    }

    public Mono<Void> close() {
        return layer.close();
    }

    @Override
    public String toString() {
        return "ImageLayerReader{" + path() + '}';
    }
}
