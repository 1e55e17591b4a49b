package io.strata.engine.layer.delta;

import io.strata.engine.btree.BtreeCorruptionException;
import io.strata.engine.btree.BtreeEntry;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerFile;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerIteration;
import io.strata.engine.layer.SummaryRewriter;
import io.strata.engine.vectored.StreamingIndexPlanning;
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
 * An open delta layer (Neon's {@code DeltaLayerInner}): its checked summary and its index of 26-byte
 * {@code key ‖ lsn} keys mapping to {@link BlobRef}s. Value reads are built on {@link #index()} and
 * {@link #file()}. Thread-safe; {@link #close()} when done.
 */
public final class DeltaLayerReader extends LayerReader<DeltaLayerSummary> {
    private DeltaLayerReader(LayerFile<DeltaLayerSummary> layer) {
        super(layer);
    }

    /**
     * Opens {@code path}, reads block 0 through {@code cache} and checks it: magic, version, an index inside the
     * file, and, when {@code expected} is not null, Neon's comparison with the expected summary.
     */
    public static Mono<DeltaLayerReader> open(IoEngine engine, BlockCache cache, Path path,
                                              DeltaLayerSummary expected) {
        return LayerFile.open(engine, cache, path, DeltaLayerSummary.FORMAT, expected).map(DeltaLayerReader::new);
    }

    /** Replaces block 0 of the delta layer at {@code path} with {@code rewrite(current)} and fsyncs. */
    public static Mono<Void> rewriteSummary(IoEngine engine, Path path,
                                            Function<DeltaLayerSummary, DeltaLayerSummary> rewrite) {
        return SummaryRewriter.rewrite(engine, path, DeltaLayerSummary.FORMAT, rewrite);
    }

    /**
     * Every index entry in (key, lsn) order with its blob's extent (Neon's {@code load_keys}; FORMAT 10.5). Use
     * {@code collectList()} for Neon's Vec. Blob offsets must increase with the index and lie in the values
     * region; otherwise, or for a corrupt index, the Flux fails with {@link LayerCorruptionException}.
     */
    public Flux<DeltaEntry> loadKeys() {
        long valuesEnd = valuesEnd();
        return Flux.defer(() -> {
            Pending pending = new Pending(path(), valuesEnd);
            return index().forwardSequential(new byte[DeltaKey.SIZE])
                    .<DeltaEntry>handle((e, sink) -> {
                        DeltaEntry previous = pending.replace(e);
                        if (previous != null) {
                            sink.next(previous);
                        }
                    })
                    .concatWith(Mono.fromSupplier(pending::last));
        }).onErrorMap(BtreeCorruptionException.class,
                e -> new LayerCorruptionException(path(), "index: " + e.getMessage(), e));
    }

    /** Holds one entry back until the next one tells where its blob ends. */
    private static final class Pending {
        private final Path path;
        private final long valuesEnd;
        private final byte[] keyBuf = new byte[DeltaKey.SIZE];
        private Key key;
        private Lsn lsn;
        private long ref = -1;

        Pending(Path path, long valuesEnd) {
            this.path = path;
            this.valuesEnd = valuesEnd;
        }

        DeltaEntry replace(BtreeEntry e) {
            long nextRef = e.value();
            long nextPos = nextRef >>> 1;
            if (nextPos < LayerFormat.VALUES_START || nextPos >= valuesEnd) {
                throw new LayerCorruptionException(path, "index: blob offset " + nextPos
                        + " is outside the values region ["
                        + LayerFormat.VALUES_START + ", " + valuesEnd + ")");
            }
            DeltaEntry previous = ref < 0 ? null : entry(nextPos);
            e.key(keyBuf);
            key = DeltaKey.key(keyBuf);
            lsn = DeltaKey.lsn(keyBuf);
            ref = nextRef;
            return previous;
        }

        DeltaEntry last() {
            return ref < 0 ? null : entry(valuesEnd);
        }

        private DeltaEntry entry(long end) {
            long pos = ref >>> 1;
            if (end <= pos) {
                throw new LayerCorruptionException(path, "index: blob offsets do not increase: " + key + "@" + lsn
                        + " at " + pos
                        + ", next at " + end);
            }
            return new DeltaEntry(key, lsn, new BlobRef(ref), end - pos);
        }
    }

    /**
     * Every value of the layer in (key, lsn) order, decoded strictly as {@link io.strata.engine.value.Value}s
     * (Neon's {@code DeltaLayerIterator}): the whole index is planned by the StreamingVectoredReadPlanner
     * (FORMAT 11.3) and read a hop at a time with buffers from {@code pool}; see {@link LayerIteration} for
     * ordering, backpressure and buffer release. Errors name the file and, for a bad blob, its offset.
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
        Path path = path();
        return Flux.defer(() -> LayerIteration.inPlanOrder(path, file(),
                StreamingIndexPlanning.deltaLayer(index(), summary().indexStartBlk(), options.maxReadSize(),
                        options.maxBatchCount(), options.maxReadSpan(), file().alignment()),
                pool, options.maxReadSize(), options.hopsInFlight(), summary().indexStartBlk() * LayerFormat.PAGE_SZ,
                blobs -> LayerIteration.values(path, blobs)));
    }
}
