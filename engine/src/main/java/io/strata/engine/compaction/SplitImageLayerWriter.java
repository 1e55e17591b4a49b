package io.strata.engine.compaction;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.image.ImageLayerWriter;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code SplitImageLayerWriter}: takes the images of one LSN in key order and writes them as consecutive
 * image layers of about {@code targetLayerSize} bytes each, from {@code startKey} to the end key given at finish.
 * A layer is cut before the key that would take it to the target (the estimate ignores compression, so layers may
 * come out smaller); each ends where the next begins. The layers are finished together by a
 * {@link BatchLayerWriter}.
 *
 * <p>{@link #putImage} returns the shared empty Mono unless a write-back or a new layer file is due; subscribe to
 * each result before the next put. A rejected key leaves the writer unchanged. On any other failure, or when the
 * work is cancelled, call {@link #abort()} (e.g. from {@code Mono.usingWhen}); a failed or cancelled finish
 * removes every layer itself. Not thread-safe.
 */
public final class SplitImageLayerWriter {
    private final LayerWriteContext ctx;
    private final Lsn lsn;
    private final long targetLayerSize;
    private final ImageCompressionAlgorithm compression;
    private final BatchLayerWriter batches;
    /**
     * Created at the first put (Neon creates it at once), so a writer that gets no image leaves no file. Volatile
     * with {@link #aborted}: an abort (a cancel) may race the put that installs a new writer.
     */
    private volatile ImageLayerWriter inner;
    private volatile boolean aborted;
    private Key startKey;
    private Key lastKey;
    private boolean finishing;

    /**
     * @param startKey        where the first layer starts (at or below the first key put)
     * @param targetLayerSize Neon's {@code compaction_target_size}
     */
    public SplitImageLayerWriter(LayerWriteContext ctx, Key startKey, Lsn lsn, long targetLayerSize,
                                 ImageCompressionAlgorithm compression) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.startKey = Objects.requireNonNull(startKey, "startKey");
        this.lsn = Objects.requireNonNull(lsn, "lsn");
        this.compression = Objects.requireNonNull(compression, "compression");
        if (targetLayerSize <= 0) {
            throw new IllegalArgumentException("target layer size must be positive, got " + targetLayerSize);
        }
        this.targetLayerSize = targetLayerSize;
        this.batches = new BatchLayerWriter(ctx);
    }

    public Lsn lsn() {
        return lsn;
    }

    /** Where the layer being written starts. */
    public Key startKey() {
        return startKey;
    }

    /**
     * Appends the image of {@code key}, first cutting the current layer at {@code key} if the image would take it
     * to the target size (never an empty layer: a single image larger than the target gets a layer of its own).
     *
     * @return fails with IllegalArgumentException, leaving the writer unchanged, if {@code key} is below the start
     *         key or not above the previous key
     */
    public Mono<Void> putImage(Key key, byte[] img) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(img, "img");
        if (finishing) {
            return Mono.error(new IllegalStateException("split image writer is finishing or finished"));
        }
        if (key.compareTo(startKey) < 0 || (lastKey != null && key.compareTo(lastKey) <= 0)) {
            return Mono.error(new IllegalArgumentException("image keys must be strictly increasing from the start key "
                    + startKey + ": " + key + " after " + lastKey));
        }
        ImageLayerWriter current = inner;
        if (current == null) {
            return open(startKey).flatMap(w -> adopt(w, key, img));
        }
        // An upper bound of what the image takes (compression not counted): the layer may come out smaller.
        long additionSizeEstimation = Key.KEY_SIZE + (long) img.length;
        if (current.numKeys() >= 1 && current.estimatedSize() + additionSizeEstimation >= targetLayerSize) {
            return open(key).flatMap(next -> {
                try {
                    batches.addUnfinishedImageWriter(current, new KeyRange(startKey, key), lsn);
                } catch (RuntimeException e) { // aborted meanwhile: the batch aborted current
                    return next.abort().then(Mono.error(e));
                }
                startKey = key;
                return adopt(next, key, img);
            });
        }
        return put(current, key, img);
    }

    private Mono<ImageLayerWriter> open(Key start) {
        return BatchLayerWriter.openDetached(ImageLayerWriter.create(ctx, new KeyRange(start, Key.MAX), lsn,
                compression), ImageLayerWriter.class, ImageLayerWriter::abort);
    }

    /**
     * Makes {@code w} the writer and puts the image into it, unless an abort came meanwhile: it sets
     * {@code aborted} before it reads {@code inner}, this sets {@code inner} before it reads {@code aborted}, so
     * one of the two aborts {@code w}.
     */
    private Mono<Void> adopt(ImageLayerWriter w, Key key, byte[] img) {
        inner = w;
        if (aborted) {
            inner = null;
            return w.abort().then(Mono.error(new IllegalStateException("split image writer was aborted")));
        }
        return put(w, key, img);
    }

    private Mono<Void> put(ImageLayerWriter w, Key key, byte[] img) {
        lastKey = key;
        return w.putImage(key, img);
    }

    /** Finishes every layer, the last one ending at {@code endKey}; discards none. */
    public Mono<List<BatchWriterResult>> finish(Key endKey) {
        return finishWithDiscardFn(endKey, name -> false);
    }

    /**
     * Neon's {@code finish_with_discard_fn}: the last layer ends at {@code endKey} (above every key put), then all
     * layers are finished or discarded as {@link BatchLayerWriter#finishWithDiscardFn} does. Emits one result per
     * layer in key order; none if no image was put.
     */
    public Mono<List<BatchWriterResult>> finishWithDiscardFn(Key endKey, Predicate<LayerName> discardFn) {
        Objects.requireNonNull(endKey, "endKey");
        Objects.requireNonNull(discardFn, "discardFn");
        return Mono.defer(() -> {
            if (finishing) {
                return Mono.error(new IllegalStateException("split image writer is finishing or finished"));
            }
            finishing = true;
            ImageLayerWriter last = inner;
            inner = null;
            Mono<Void> dropEmpty = Mono.empty();
            if (last != null && last.numKeys() != 0) {
                batches.addUnfinishedImageWriter(last, new KeyRange(startKey, endKey), lsn);
            } else if (last != null) {
                dropEmpty = last.abort();
            }
            return dropEmpty.then(batches.finishWithDiscardFn(discardFn))
                    .onErrorResume(e -> abort().then(Mono.error(e)));
        });
    }

    /**
     * Gives up: removes the layer being written and every layer cut so far. Idempotent; a no-op after a successful
     * finish.
     */
    public Mono<Void> abort() {
        return Mono.defer(() -> {
            aborted = true;
            finishing = true;
            ImageLayerWriter current = inner;
            inner = null;
            return (current != null ? current.abort() : Mono.<Void>empty()).then(batches.abort());
        });
    }

    @Override
    public String toString() {
        return "SplitImageLayerWriter{lsn=" + lsn + ", start=" + startKey + ", cut=" + batches.layerNames().size()
                + ", current=" + inner + '}';
    }
}
