package io.strata.engine.compaction;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.value.Value;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code SplitDeltaLayerWriter}: takes versions in (key, lsn) order over one LSN range and writes them as
 * consecutive delta layers of about {@code targetLayerSize} bytes each. A layer starts at its first key and is
 * cut before a new key once it reaches the target; the versions of one key always stay in one layer (as Neon's,
 * so a key updated very often makes a large layer, and one past the 4.5 GB upload limit fails). The last layer
 * ends just after the last key. The layers are finished together by a {@link BatchLayerWriter}.
 *
 * <p>{@link #putValue} returns the shared empty Mono unless a write-back or a new layer file is due; subscribe to
 * each result before the next put. A rejected version leaves the writer unchanged. On any other failure, or when
 * the work is cancelled, call {@link #abort()} (e.g. from {@code Mono.usingWhen}); a failed or cancelled finish
 * removes every layer itself. Not thread-safe.
 */
public final class SplitDeltaLayerWriter {
    /** Neon's estimate of what one more version adds: key, LSN, and 80 bytes of value. */
    static final long ADDITION_SIZE_ESTIMATION = Key.KEY_SIZE + 8 + 80;

    private final LayerWriteContext ctx;
    private final Lsn lsnStart;
    private final Lsn lsnEnd;
    private final long targetLayerSize;
    private final BatchLayerWriter batches;
    /** Volatile with {@link #aborted}: an abort (a cancel) may race the put that installs a new writer. */
    private volatile DeltaLayerWriter inner;
    private volatile boolean aborted;
    private Key startKey;
    private Key lastKeyWritten;
    private Lsn lastLsnWritten;
    private boolean finishing;

    /**
     * @param lsnStart        inclusive start of every layer's LSN range
     * @param lsnEnd          exclusive end
     * @param targetLayerSize Neon's {@code compaction_target_size}
     */
    public SplitDeltaLayerWriter(LayerWriteContext ctx, Lsn lsnStart, Lsn lsnEnd, long targetLayerSize) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.lsnStart = Objects.requireNonNull(lsnStart, "lsnStart");
        this.lsnEnd = Objects.requireNonNull(lsnEnd, "lsnEnd");
        if (lsnStart.compareTo(lsnEnd) >= 0) {
            throw new IllegalArgumentException("delta LSN range " + lsnStart + ".." + lsnEnd + " is empty");
        }
        if (targetLayerSize <= 0) {
            throw new IllegalArgumentException("target layer size must be positive, got " + targetLayerSize);
        }
        this.targetLayerSize = targetLayerSize;
        this.batches = new BatchLayerWriter(ctx);
    }

    public Lsn lsnStart() {
        return lsnStart;
    }

    public Lsn lsnEnd() {
        return lsnEnd;
    }

    /**
     * Appends one version, first cutting the current layer at {@code key} if it has reached the target size and
     * {@code key} is a new key.
     *
     * @return fails with IllegalArgumentException, leaving the writer unchanged, for an LSN outside the range or a
     *         (key, lsn) not above the previous one; with IllegalStateException when one key's versions pass the
     *         upload limit
     */
    public Mono<Void> putValue(Key key, Lsn lsn, Value val) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(val, "val");
        if (finishing) {
            return Mono.error(new IllegalStateException("split delta writer is finishing or finished"));
        }
        RuntimeException rejected = check(key, lsn);
        if (rejected != null) {
            return Mono.error(rejected);
        }
        DeltaLayerWriter current = inner;
        if (current == null) {
            return open(key).flatMap(w -> {
                startKey = key;
                return adopt(w, key, lsn, val);
            });
        }
        if (current.numEntries() >= 1
                && current.estimatedSize() + ADDITION_SIZE_ESTIMATION >= targetLayerSize) {
            if (!key.equals(lastKeyWritten)) {
                return open(key).flatMap(next -> {
                    try {
                        batches.addUnfinishedDeltaWriter(current, new KeyRange(startKey, key), lsnStart, lsnEnd);
                    } catch (RuntimeException e) { // aborted meanwhile: the batch aborted current
                        return next.abort().then(Mono.error(e));
                    }
                    startKey = key;
                    return adopt(next, key, lsn, val);
                });
            }
            if (current.estimatedSize() >= LayerFormat.S3_UPLOAD_LIMIT) {
                return Mono.error(new IllegalStateException("a single key is updated too often: key=" + key
                        + ", estimated_size=" + current.estimatedSize() + ", and the layer file cannot be produced"));
            }
        }
        return put(current, key, lsn, val);
    }

    private Mono<DeltaLayerWriter> open(Key key) {
        return BatchLayerWriter.openDetached(DeltaLayerWriter.create(ctx, key, lsnStart, lsnEnd),
                DeltaLayerWriter.class, DeltaLayerWriter::abort);
    }

    /**
     * Makes {@code w} the writer and puts the version into it, unless an abort came meanwhile: it sets
     * {@code aborted} before it reads {@code inner}, this sets {@code inner} before it reads {@code aborted}, so
     * one of the two aborts {@code w}.
     */
    private Mono<Void> adopt(DeltaLayerWriter w, Key key, Lsn lsn, Value val) {
        inner = w;
        if (aborted) {
            inner = null;
            return w.abort().then(Mono.error(new IllegalStateException("split delta writer was aborted")));
        }
        return put(w, key, lsn, val);
    }

    private RuntimeException check(Key key, Lsn lsn) {
        if (lsn.compareTo(lsnStart) < 0 || lsn.compareTo(lsnEnd) >= 0) {
            return new IllegalArgumentException("LSN " + lsn + " of key " + key + " is outside the LSN range ["
                    + lsnStart + ", " + lsnEnd + ")");
        }
        if (lastKeyWritten != null) {
            int c = key.compareTo(lastKeyWritten);
            if (c < 0 || (c == 0 && lsn.compareTo(lastLsnWritten) <= 0)) {
                return new IllegalArgumentException("versions must be in strictly increasing (key, lsn) order: "
                        + key + "@" + lsn + " after " + lastKeyWritten + "@" + lastLsnWritten);
            }
        }
        return null;
    }

    private Mono<Void> put(DeltaLayerWriter w, Key key, Lsn lsn, Value val) {
        lastKeyWritten = key;
        lastLsnWritten = lsn;
        return w.putValue(key, lsn, val);
    }

    /** Finishes every layer; discards none. */
    public Mono<List<BatchWriterResult>> finish() {
        return finishWithDiscardFn(name -> false);
    }

    /**
     * Neon's {@code finish_with_discard_fn}: the last layer ends just after the last key, then all layers are
     * finished or discarded as {@link BatchLayerWriter#finishWithDiscardFn} does. Emits one result per layer in
     * key order; none if nothing was put.
     */
    public Mono<List<BatchWriterResult>> finishWithDiscardFn(Predicate<LayerName> discardFn) {
        Objects.requireNonNull(discardFn, "discardFn");
        return Mono.defer(() -> {
            if (finishing) {
                return Mono.error(new IllegalStateException("split delta writer is finishing or finished"));
            }
            finishing = true;
            DeltaLayerWriter last = inner;
            inner = null;
            Mono<Void> dropEmpty = Mono.empty();
            if (last != null && last.numEntries() != 0) {
                batches.addUnfinishedDeltaWriter(last, new KeyRange(startKey, lastKeyWritten.next()), lsnStart,
                        lsnEnd);
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
            DeltaLayerWriter current = inner;
            inner = null;
            return (current != null ? current.abort() : Mono.<Void>empty()).then(batches.abort());
        });
    }

    @Override
    public String toString() {
        return "SplitDeltaLayerWriter{" + lsnStart + ".." + lsnEnd + ", start=" + startKey + ", cut="
                + batches.layerNames().size() + ", current=" + inner + '}';
    }
}
