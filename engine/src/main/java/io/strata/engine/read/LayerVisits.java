package io.strata.engine.read;

import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerIteration;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.value.Value;
import io.strata.engine.vectored.BlobMeta;
import io.strata.engine.vectored.ChunkedVectoredReadBuilder;
import io.strata.engine.vectored.DeltaIndexPlanning;
import io.strata.engine.vectored.ImageIndexPlanning;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredBlobs;
import io.strata.engine.vectored.VectoredRead;
import io.strata.io.cache.BlockCache;
import java.util.List;
import org.agrona.DirectBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The layer-file halves of a read (Neon's {@code get_values_reconstruct_data} of image and delta layers): plan the
 * reads from the index, register one IO future per blob, then read all planned reads as batches on the ring and
 * complete each future as its read lands.
 */
final class LayerVisits {
    private LayerVisits() {
    }

    /**
     * Every key of {@code keySpace} the image layer holds; the layer's whole key range is then image-covered.
     * Plans synchronously when the index nodes are cached, else through the async planner.
     */
    static Mono<Void> image(ImageLayerReader layer, KeyRange layerKeyRange, KeySpace keySpace,
                            ValuesReconstructState state, VectoredBlobReader blobReader, BlockCache valueCache,
                            long maxReadSize) {
        Lsn lsn = layer.summary().lsn();
        long indexStart = layer.summary().indexStartBlk();
        List<VectoredRead> ready;
        try {
            ready = ImageIndexPlanning.planIfReady(layer.index(), indexStart, keySpace, lsn, maxReadSize);
        } catch (RuntimeException e) {
            return Mono.error(LayerIteration.isPlanningError(e) ? LayerIteration.corruptIndex(layer.path(), e) : e);
        }
        if (ready != null) {
            return imageReads(layer, layerKeyRange, ready, state, blobReader, valueCache);
        }
        return ImageIndexPlanning.plan(layer.index(), indexStart, keySpace, lsn, null, maxReadSize)
                .onErrorMap(LayerIteration::isPlanningError, e -> LayerIteration.corruptIndex(layer.path(), e))
                .flatMap(reads -> imageReads(layer, layerKeyRange, reads, state, blobReader, valueCache));
    }

    /**
     * A damaged index can list a key twice or out of order, which a sound layer never does: an image layer holds
     * each key once, a delta layer each (key, LSN) once, in order. Checked before anything is registered in the
     * reconstruct state, so the read fails as a corrupt layer instead of corrupting the state.
     *
     * @return what is out of order, or null
     */
    static String outOfOrder(List<VectoredRead> reads, boolean image) {
        BlobMeta previous = null;
        for (VectoredRead read : reads) {
            for (int i = 0; i < read.blobCount(); i++) {
                BlobMeta b = read.blob(i);
                if (previous != null) {
                    int c = b.key().compareTo(previous.key());
                    if (c < 0 || (c == 0 && (image || b.lsn().compareTo(previous.lsn()) <= 0))) {
                        return "entries out of order: " + b.key() + "@" + b.lsn() + " after " + previous.key() + "@"
                                + previous.lsn();
                    }
                }
                previous = b;
            }
        }
        return null;
    }

    /**
     * What is wrong with {@code reads} as planned from {@code layer}'s index ({@link #outOfOrder}, or a read outside
     * the values region), or null.
     */
    static String planProblem(LayerReader<?> layer, List<VectoredRead> reads, boolean image) {
        String problem = outOfOrder(reads, image);
        long valuesEnd = layer.summary().indexStartBlk() * io.strata.engine.layer.LayerFormat.PAGE_SZ;
        for (int r = 0; problem == null && r < reads.size(); r++) {
            problem = LayerIteration.beyondValues(reads.get(r), valuesEnd);
        }
        return problem;
    }

    private static Mono<Void> imageReads(ImageLayerReader layer, KeyRange layerKeyRange, List<VectoredRead> reads,
                                         ValuesReconstructState state, VectoredBlobReader blobReader,
                                         BlockCache valueCache) {
        String disorder = planProblem(layer, reads, true);
        if (disorder != null) {
            return Mono.error(new LayerCorruptionException(layer.path(), "index: " + disorder));
        }
        OnDiskValueIo[][] ios = new OnDiskValueIo[reads.size()][];
        for (int r = 0; r < reads.size(); r++) {
            VectoredRead read = reads.get(r);
            ios[r] = new OnDiskValueIo[read.blobCount()];
            for (int i = 0; i < read.blobCount(); i++) {
                BlobMeta b = read.blob(i);
                ios[r][i] = state.updateKey(b.key(), b.lsn(), true);
            }
        }
        state.onImageLayerVisited(layerKeyRange);
        return reads.isEmpty() ? Mono.empty()
                : state.spawnIo(readAll(layer, reads, ios, blobReader, valueCache, true));
    }

    /**
     * The values of each range over its LSN range, registered newest first per key (reads and blobs in reverse
     * order, as Neon does), so that each key's oldest planned value is its will_init one. Plans synchronously
     * when the index nodes are cached, else through the async planner.
     */
    static Mono<Void> delta(DeltaLayerReader layer, List<DeltaIndexPlanning.RangeAtLsns> ranges,
                            ValuesReconstructState state, VectoredBlobReader blobReader, BlockCache valueCache,
                            long maxReadSize) {
        long indexStart = layer.summary().indexStartBlk();
        List<VectoredRead> ready;
        try {
            ready = DeltaIndexPlanning.planIfReady(layer.index(), indexStart, ranges, maxReadSize,
                    ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE);
        } catch (RuntimeException e) {
            return Mono.error(LayerIteration.isPlanningError(e) ? LayerIteration.corruptIndex(layer.path(), e) : e);
        }
        if (ready != null) {
            return deltaReads(layer, ready, state, blobReader, valueCache);
        }
        return DeltaIndexPlanning.plan(layer.index(), indexStart, ranges, maxReadSize,
                        ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE)
                .onErrorMap(LayerIteration::isPlanningError, e -> LayerIteration.corruptIndex(layer.path(), e))
                .flatMap(reads -> deltaReads(layer, reads, state, blobReader, valueCache));
    }

    private static Mono<Void> deltaReads(DeltaLayerReader layer, List<VectoredRead> reads,
                                         ValuesReconstructState state, VectoredBlobReader blobReader,
                                         BlockCache valueCache) {
        String disorder = planProblem(layer, reads, false);
        if (disorder != null) {
            return Mono.error(new LayerCorruptionException(layer.path(), "index: " + disorder));
        }
        OnDiskValueIo[][] ios = new OnDiskValueIo[reads.size()][];
        for (int r = reads.size() - 1; r >= 0; r--) {
            VectoredRead read = reads.get(r);
            ios[r] = new OnDiskValueIo[read.blobCount()];
            for (int i = read.blobCount() - 1; i >= 0; i--) {
                BlobMeta b = read.blob(i);
                ios[r][i] = state.updateKey(b.key(), b.lsn(), b.willInit());
            }
        }
        return reads.isEmpty() ? Mono.empty()
                : state.spawnIo(readAll(layer, reads, ios, blobReader, valueCache, false));
    }

    private static Value decode(LayerReader<?> layer, BlobMeta meta, DirectBuffer blob) {
        try {
            return Value.deserialize(blob, 0, blob.capacity());
        } catch (RuntimeException e) {
            throw new LayerCorruptionException(layer.path(), "value of " + meta.key() + " at " + meta.lsn()
                    + " (blob at offset " + meta.offset() + "): " + e.getMessage(), e);
        }
    }

    /** The planned reads of {@code layer}, from the file or through {@code valueCache} when it is set. */
    static Flux<VectoredBlobs> completions(LayerReader<?> layer, List<VectoredRead> reads,
                                           VectoredBlobReader blobReader, BlockCache valueCache) {
        return valueCache == null ? blobReader.readAll(layer.file(), reads)
                : blobReader.readAllCached(layer.file(), reads, valueCache);
    }

    /** Blob {@code i} as a value: image layers' raw pages, delta layers' values decoded from the read buffer. */
    static OnDiskValue value(LayerReader<?> layer, VectoredBlobs blobs, int i, boolean rawImage) {
        return rawImage ? new OnDiskValue.RawImage(blobs.blobBytes(i))
                : new OnDiskValue.Decoded(decode(layer, blobs.meta(i), blobs.blob(i)));
    }

    /** The failure of a blob the completed reads did not deliver. */
    static IllegalStateException undelivered(LayerReader<?> layer, BlobMeta b) {
        return new IllegalStateException(layer.path() + ": the vectored read of the blob of " + b.key() + " at "
                + b.lsn() + " (offset " + b.offset() + ") completed without delivering it");
    }

    /**
     * Reads every planned read (batched on the ring by the blob reader) and completes the futures of its blobs;
     * a failed read fails the futures not completed yet. Never fails itself: the futures carry the errors.
     */
    private static Mono<Void> readAll(LayerReader<?> layer, List<VectoredRead> reads, OnDiskValueIo[][] ios,
                                      VectoredBlobReader blobReader, BlockCache valueCache, boolean rawImages) {
        return completions(layer, reads, blobReader, valueCache)
                .doOnNext(blobs -> {
                    try {
                        OnDiskValueIo[] forRead = ios[blobs.sequence()];
                        for (int i = 0; i < forRead.length; i++) {
                            OnDiskValueIo io = forRead[i];
                            if (!io.isRequired()) {
                                continue;
                            }
                            try {
                                io.complete(value(layer, blobs, i, rawImages));
                            } catch (RuntimeException e) {
                                io.fail(e);
                            }
                        }
                    } finally {
                        blobs.release();
                    }
                })
                .onErrorResume(e -> {
                    for (OnDiskValueIo[] forRead : ios) {
                        for (OnDiskValueIo io : forRead) {
                            io.fail(e); // no-op for completed ones
                        }
                    }
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(() -> failUndelivered(layer, reads, ios)));
    }

    /**
     * The reads completed: a future still open would wait forever (a read that delivered nothing for it), so it
     * fails, naming the blob, instead of hanging the read.
     */
    private static void failUndelivered(LayerReader<?> layer, List<VectoredRead> reads, OnDiskValueIo[][] ios) {
        for (int r = 0; r < ios.length; r++) {
            for (int i = 0; i < ios[r].length; i++) {
                OnDiskValueIo io = ios[r][i];
                if (!io.isDone()) {
                    io.fail(undelivered(layer, reads.get(r).blob(i)));
                }
            }
        }
    }
}
