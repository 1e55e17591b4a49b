package io.strata.engine.layer.image;

import io.strata.engine.btree.BtreeCorruptionException;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerFile;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerIteration;
import io.strata.engine.layer.SummaryRewriter;
import io.strata.engine.vectored.ImageIndexPlanning;
import io.strata.engine.vectored.StreamingIndexPlanning;
import io.strata.engine.vectored.VectoredReadPlanner;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An open image layer (Neon's {@code ImageLayerInner}): its checked summary and its index of 18-byte keys mapping
 * to blob offsets. Value reads (planners, iterators, {@code filter}) are built on {@link #index()} and
 * {@link #file()}. Thread-safe; {@link #close()} when done.
 */
public final class ImageLayerReader extends LayerReader<ImageLayerSummary> {
    private ImageLayerReader(LayerFile<ImageLayerSummary> layer) {
        super(layer);
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

    /**
     * The keys stored in the layer within its key range, ascending (Neon's {@code load_keys}). Use
     * {@code collectList()} for Neon's Vec. A corrupt index fails with {@link LayerCorruptionException}.
     */
    public Flux<Key> loadKeys() {
        Key end = summary().keyRange().end();
        return Flux.defer(() -> {
            byte[] buf = new byte[Key.KEY_SIZE];
            return index().forwardSequential(new byte[Key.KEY_SIZE])
                    .map(e -> Key.read(e.key(buf), 0))
                    .takeWhile(k -> k.compareTo(end) < 0);
        }).onErrorMap(BtreeCorruptionException.class,
                e -> new LayerCorruptionException(path(), "index: " + e.getMessage(), e));
    }

    /**
     * Every value of the layer in key order as {@code Value.Image}s at the layer's LSN (Neon's
     * {@code ImageLayerIterator}): the whole index is planned by the StreamingVectoredReadPlanner (FORMAT 11.3)
     * and read a hop at a time with buffers from {@code pool}; see {@link LayerIteration} for ordering,
     * backpressure and buffer release. Errors name the file and, for a bad blob, its offset.
     */
    public Flux<LayerEntry> iterator(AlignedBufferPool pool, IteratorOptions options) {
        return LayerIteration.entries(batches(pool, options));
    }

    /**
     * As {@link #iterator}, one list per planned read (Neon's {@code next_batch}): at most
     * {@code options.maxBatchCount()} values, and a single value when one blob already reaches
     * {@code options.maxReadSize()}.
     */
    @Override
    public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(options, "options");
        return Flux.defer(() -> LayerIteration.inPlanOrder(path(), file(),
                StreamingIndexPlanning.imageLayer(index(), summary().indexStartBlk(), summary().lsn(),
                        options.maxReadSize(), options.maxBatchCount(), options.maxReadSpan(), file().alignment()),
                pool, options.maxReadSize(), options.hopsInFlight(), summary().indexStartBlk() * LayerFormat.PAGE_SZ,
                LayerIteration::images));
    }

    /**
     * Neon's {@code ImageLayerInner::filter}: plans the whole key space with the VectoredReadPlanner, ignoring the
     * keys {@code shard} may dispose of (FORMAT 11.2), reads the rest and appends each blob as stored, header
     * included, to {@code writer} in key order, so pages are not recompressed. Emits the number of keys copied.
     * The caller finishes the writer, or aborts it when 0 keys were copied.
     */
    public Mono<Long> filter(ShardIdentity shard, ImageLayerWriter writer, AlignedBufferPool pool) {
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(pool, "pool");
        long maxReadSize = VectoredReadPlanner.DEFAULT_MAX_READ_SIZE;
        return ImageIndexPlanning.plan(index(), summary().indexStartBlk(), KeySpace.single(KeyRange.FULL),
                        summary().lsn(), shard, maxReadSize)
                .onErrorMap(LayerIteration::isPlanningError, e -> LayerIteration.corruptIndex(path(), e))
                .flatMapMany(reads -> LayerIteration.inPlanOrder(path(), file(), Flux.fromIterable(reads), pool,
                        maxReadSize, 2, summary().indexStartBlk() * LayerFormat.PAGE_SZ, RawBlobCopy::of))
                .concatMap(copy -> copy.putInto(writer).thenReturn((long) copy.size()), 0)
                .reduce(0L, Long::sum);
    }
}
