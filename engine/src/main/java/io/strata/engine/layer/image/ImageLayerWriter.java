package io.strata.engine.layer.image;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.failpoint.Failpoints;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerFileWriter;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;

/**
 * Writes one image layer (FORMAT 9): the page image of every key in a key range at one LSN, in strictly
 * increasing key order, to {@code <LayerName>.<n>.___temp}, renamed to {@code <LayerName>[-v1-<gen>]} by
 * {@link #finish()}.
 *
 * <p>{@code putImage} is synchronous except for the write-back of the 64 KiB blob buffer: the returned Mono is
 * the shared empty constant unless a flush is due, so writing millions of keys creates no Mono per key. Subscribe
 * to each result before the next put (e.g. in {@code concatMap}). A rejected key leaves the writer unchanged.
 * Call {@link #abort()} to give up; a failed or cancelled finish removes the temporary file itself. Not
 * thread-safe.
 */
public final class ImageLayerWriter {
    /** Neon's failpoint: reached by every finish before the index and summary are written. */
    public static final String FAILPOINT_BEFORE_FINISH = "image-layer-writer-fail-before-finish";

    private final LayerWriteContext ctx;
    private final KeyRange keyRange;
    private final Lsn lsn;
    private final LayerFileWriter file;
    private final byte[] keyBuf = new byte[Key.KEY_SIZE];
    private final UnsafeBuffer arrayView = new UnsafeBuffer(new byte[0]);
    private Key lastKey;
    private long numKeys;

    private ImageLayerWriter(LayerWriteContext ctx, KeyRange keyRange, Lsn lsn, LayerFileWriter file) {
        this.ctx = ctx;
        this.keyRange = keyRange;
        this.lsn = lsn;
        this.file = file;
    }

    /**
     * Creates the temporary file in {@code ctx.timelineDir()}.
     *
     * @param compression Neon's {@code image_compression}; {@link ImageCompressionAlgorithm#DISABLED} gives files
     *                    byte-identical to Neon's regardless of zstd versions
     */
    public static Mono<ImageLayerWriter> create(LayerWriteContext ctx, KeyRange keyRange, Lsn lsn,
                                                ImageCompressionAlgorithm compression) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(keyRange, "keyRange");
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(compression, "compression");
        return Mono.defer(() -> {
            ImageLayerName name = new ImageLayerName(keyRange, lsn);
            Path temp = ctx.timelineDir().resolve(name.tempFileName(LayerName.nextTempDisambiguator()));
            return LayerFileWriter.create(ctx, ctx.finalPath(name), temp, Key.KEY_SIZE, compression)
                    .map(f -> new ImageLayerWriter(ctx, keyRange, lsn, f));
        });
    }

    /**
     * Writes a whole layer: creates the writer, runs {@code body} (the puts and a finish), and removes the
     * temporary file if the body fails or the subscriber cancels. Emits what the body's finish emitted.
     */
    public static Mono<WrittenLayer<ImageLayerSummary>> write(LayerWriteContext ctx, KeyRange keyRange, Lsn lsn,
            ImageCompressionAlgorithm compression,
            Function<ImageLayerWriter, Mono<WrittenLayer<ImageLayerSummary>>> body) {
        Objects.requireNonNull(body, "body");
        return Mono.usingWhen(create(ctx, keyRange, lsn, compression), body, w -> Mono.empty(),
                (w, e) -> w.abort(), ImageLayerWriter::abort);
    }

    public KeyRange keyRange() {
        return keyRange;
    }

    public Lsn lsn() {
        return lsn;
    }

    public Path tempPath() {
        return file.tempPath();
    }

    public Mono<Void> putImage(Key key, byte[] image) {
        arrayView.wrap(image);
        return putImage(key, arrayView, 0, image.length);
    }

    public Mono<Void> putImage(Key key, DirectBuffer image) {
        return putImage(key, image, 0, image.capacity());
    }

    /**
     * Appends the page image of {@code key}: one blob (compressed per the writer's setting) and one index entry.
     * The bytes are copied before this returns.
     *
     * @return a Mono to subscribe to before the next put; it fails with IllegalArgumentException naming the key
     *         and the range if {@code key} is outside the key range or not above the previous key
     */
    public Mono<Void> putImage(Key key, DirectBuffer image, int offset, int length) {
        RuntimeException rejected = check(key);
        if (rejected != null) {
            return Mono.error(rejected);
        }
        long blobOffset;
        try {
            blobOffset = file.writeBlob(image, offset, length);
        } catch (RuntimeException e) {
            return Mono.error(e);
        }
        return appended(key, blobOffset);
    }

    public Mono<Void> putImageRaw(Key key, byte[] rawWithHeader) {
        arrayView.wrap(rawWithHeader);
        return putImageRaw(key, arrayView, 0, rawWithHeader.length);
    }

    /**
     * Appends an already encoded blob (header and stored bytes, possibly zstd) unchanged: how a layer is
     * rewritten for a shard without recompressing its pages. The header must account for exactly {@code length}
     * bytes.
     */
    public Mono<Void> putImageRaw(Key key, DirectBuffer rawWithHeader, int offset, int length) {
        RuntimeException rejected = check(key);
        if (rejected != null) {
            return Mono.error(rejected);
        }
        long blobOffset;
        try {
            blobOffset = file.writeBlobRaw(rawWithHeader, offset, length);
        } catch (RuntimeException e) {
            return Mono.error(e);
        }
        return appended(key, blobOffset);
    }

    private RuntimeException check(Key key) {
        Objects.requireNonNull(key, "key");
        if (!keyRange.contains(key)) {
            return new IllegalArgumentException("key " + key + " is outside the image layer's key range ["
                    + keyRange.start() + ", " + keyRange.end() + ")");
        }
        if (lastKey != null && key.compareTo(lastKey) <= 0) {
            return new IllegalArgumentException("image layer keys must be strictly increasing: key " + key
                    + (key.equals(lastKey) ? " was already written" : " is below the previous key " + lastKey));
        }
        return null;
    }

    private Mono<Void> appended(Key key, long blobOffset) {
        key.writeTo(keyBuf, 0);
        file.appendIndex(keyBuf, blobOffset);
        lastKey = key;
        numKeys++;
        return file.flushIfNeeded();
    }

    /** Keys written so far. */
    public long numKeys() {
        return numKeys;
    }

    /**
     * Neon's {@code estimated_size}: values written (their offset already counts the summary block) plus the index
     * blocks finished so far plus one more block. Used to decide when to split.
     */
    public long estimatedSize() {
        return file.valuesSize() + file.indexSize() + LayerFormat.PAGE_SZ;
    }

    /** Finishes the layer with the key range given at creation. */
    public Mono<WrittenLayer<ImageLayerSummary>> finish() {
        return finish(keyRange);
    }

    /**
     * Finishes the layer covering {@code [keyRange.start, endKey)} (the split writer's chosen end): every key
     * written must be below {@code endKey}.
     */
    public Mono<WrittenLayer<ImageLayerSummary>> finishWithEndKey(Key endKey) {
        Objects.requireNonNull(endKey, "endKey");
        return Mono.defer(() -> {
            if (lastKey != null && lastKey.compareTo(endKey) >= 0) {
                return abortWith(new IllegalArgumentException("written key " + lastKey
                        + " is not below the end key " + endKey));
            }
            return finish(new KeyRange(keyRange.start(), endKey));
        });
    }

    private Mono<WrittenLayer<ImageLayerSummary>> finish(KeyRange finalRange) {
        return Mono.defer(() -> {
            ImageLayerName name = new ImageLayerName(finalRange, lsn);
            Path target = ctx.finalPath(name);
            ImageLayerSummary expected = ImageLayerSummary.expected(ctx.tenantId(), ctx.timelineId(), finalRange,
                    lsn);
            return Failpoints.hit(FAILPOINT_BEFORE_FINISH, "writing " + file.tempPath())
                    .onErrorResume(e -> file.abort().then(Mono.error(e)))
                    .then(Mono.defer(() -> file.finish(layout -> expected.withIndex(layout.indexStartBlk(),
                            layout.indexRootBlk()), target, Long.MAX_VALUE)))
                    .map(layout -> new WrittenLayer<>(expected.withIndex(layout.indexStartBlk(),
                            layout.indexRootBlk()), name, target, layout.fileSize()));
        });
    }

    private <T> Mono<T> abortWith(Throwable e) {
        return file.abort().then(Mono.error(e));
    }

    /** Gives up: removes the temporary file. Idempotent; a no-op after a successful finish. */
    public Mono<Void> abort() {
        return file.abort();
    }

    @Override
    public String toString() {
        return "ImageLayerWriter{" + new ImageLayerName(keyRange, lsn) + ", keys=" + numKeys + ", temp="
                + file.tempPath() + '}';
    }
}
