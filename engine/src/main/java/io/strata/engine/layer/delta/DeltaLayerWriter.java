package io.strata.engine.layer.delta;

import io.strata.engine.bincode.BincodeWriter;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.failpoint.Failpoints;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.LayerFileWriter;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.value.Value;
import io.strata.engine.value.ValueCodec;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;

/**
 * Writes one delta layer (FORMAT 10): versions of keys in {@code [lsnStart, lsnEnd)}, appended in strictly
 * increasing (key, lsn) order, each an uncompressed blob holding a bincode {@link Value} indexed by
 * {@code key ‖ lsn} with a {@link BlobRef}. The end key is known only at {@link #finish(Key)}, so the file is
 * written as {@code <KEYSTART>-XXX__<LSNSTART>-<LSNEND>.<n>.___temp} and renamed then.
 *
 * <p>The put methods are synchronous except for the write-back of the 64 KiB blob buffer: the returned Mono is
 * the shared empty constant unless a flush is due. Subscribe to each result before the next put. A rejected put
 * leaves the writer unchanged. {@link #abort()} gives up; a failed or cancelled finish removes the temporary
 * file itself. Not thread-safe.
 */
public final class DeltaLayerWriter {
    /** Neon's failpoint: reached by every finish before the index and summary are written. */
    public static final String FAILPOINT_BEFORE_FINISH = "delta-layer-writer-fail-before-finish";

    private final LayerWriteContext ctx;
    private final Key keyStart;
    private final Lsn lsnStart;
    private final Lsn lsnEnd;
    private final LayerFileWriter file;
    private final byte[] keyBuf = new byte[DeltaKey.SIZE];
    private final BincodeWriter valueBuf = new BincodeWriter();
    private final UnsafeBuffer arrayView = new UnsafeBuffer(new byte[0]);
    private long uploadLimit = LayerFormat.S3_UPLOAD_LIMIT;
    private Key lastKey;
    private long lastLsn;
    private long numEntries;

    private DeltaLayerWriter(LayerWriteContext ctx, Key keyStart, Lsn lsnStart, Lsn lsnEnd, LayerFileWriter file) {
        this.ctx = ctx;
        this.keyStart = keyStart;
        this.lsnStart = lsnStart;
        this.lsnEnd = lsnEnd;
        this.file = file;
    }

    /** Creates the temporary file in {@code ctx.timelineDir()} for a layer starting at {@code keyStart}. */
    public static Mono<DeltaLayerWriter> create(LayerWriteContext ctx, Key keyStart, Lsn lsnStart, Lsn lsnEnd) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(keyStart, "keyStart");
        Objects.requireNonNull(lsnStart, "lsnStart");
        Objects.requireNonNull(lsnEnd, "lsnEnd");
        if (lsnStart.compareTo(lsnEnd) >= 0) {
            return Mono.error(new IllegalArgumentException("delta layer LSN range " + lsnStart + ".." + lsnEnd
                    + " is empty"));
        }
        return Mono.defer(() -> {
            Path temp = ctx.timelineDir().resolve(DeltaLayerName.tempFileName(keyStart, lsnStart, lsnEnd,
                    LayerName.nextTempDisambiguator()));
            return LayerFileWriter.create(ctx, temp, temp, DeltaKey.SIZE, ImageCompressionAlgorithm.DISABLED)
                    .map(f -> new DeltaLayerWriter(ctx, keyStart, lsnStart, lsnEnd, f));
        });
    }

    /** A writer for an L0 layer (an in-memory layer's flush): the full key range, finished with {@link #finishL0()}. */
    public static Mono<DeltaLayerWriter> createL0(LayerWriteContext ctx, Lsn lsnStart, Lsn lsnEnd) {
        return create(ctx, KeyRange.FULL.start(), lsnStart, lsnEnd);
    }

    /**
     * Writes a whole layer: creates the writer, runs {@code body} (the puts and a finish), and removes the
     * temporary file if the body fails or the subscriber cancels. Emits what the body's finish emitted.
     */
    public static Mono<WrittenLayer<DeltaLayerSummary>> write(LayerWriteContext ctx, Key keyStart, Lsn lsnStart,
            Lsn lsnEnd, Function<DeltaLayerWriter, Mono<WrittenLayer<DeltaLayerSummary>>> body) {
        Objects.requireNonNull(body, "body");
        return Mono.usingWhen(create(ctx, keyStart, lsnStart, lsnEnd), body, w -> Mono.empty(),
                (w, e) -> w.abort(), DeltaLayerWriter::abort);
    }

    public Key keyStart() {
        return keyStart;
    }

    public Lsn lsnStart() {
        return lsnStart;
    }

    public Lsn lsnEnd() {
        return lsnEnd;
    }

    public Path tempPath() {
        return file.tempPath();
    }

    /** Lowers the size limit (tests: the real one is 4.5 GB). */
    DeltaLayerWriter withUploadLimit(long bytes) {
        this.uploadLimit = bytes;
        return this;
    }

    /**
     * Appends one version as an uncompressed blob, indexed with the value's will_init: a WAL record serialized into a
     * reused buffer first, an image's bytes straight after its encoding's head (the same bytes, copied once).
     *
     * @return a Mono to subscribe to before the next put; it fails with IllegalArgumentException for an LSN
     *         outside the writer's range, a key before its start, or a (key, lsn) not above the previous one
     */
    public Mono<Void> putValue(Key key, Lsn lsn, Value value) {
        Objects.requireNonNull(value, "value");
        RuntimeException rejected = check(key, lsn);
        if (rejected != null) {
            return Mono.error(rejected);
        }
        valueBuf.reset();
        if (value instanceof Value.Image image) {
            // the page goes into the blob buffer once, after its 12-byte head (encoding it whole first copied it twice)
            ValueCodec.encodeImageHead(image.bytes().length, valueBuf);
            long blob;
            try {
                BlobRef.encode(file.valuesSize(), true); // checks the offset fits before anything is written
                blob = file.writeBlobUncompressed(valueBuf.buffer(), valueBuf.length(), image.bytes());
            } catch (RuntimeException e) {
                return Mono.error(e);
            }
            return indexed(key, lsn, BlobRef.encode(blob, true));
        }
        ValueCodec.encode(value, valueBuf);
        return write(key, lsn, valueBuf.buffer(), 0, valueBuf.length(), value.willInit());
    }

    public Mono<Void> putValueBytes(Key key, Lsn lsn, byte[] value, boolean willInit) {
        arrayView.wrap(value);
        return putValueBytes(key, lsn, arrayView, 0, value.length, willInit);
    }

    /**
     * Appends an already serialized {@link Value} (copied from another layer) with its will_init bit, as Neon's
     * {@code put_value_bytes}: the bytes are not decoded (see {@link io.strata.engine.value.ValueBytes#willInit}).
     */
    public Mono<Void> putValueBytes(Key key, Lsn lsn, DirectBuffer value, int offset, int length,
                                    boolean willInit) {
        RuntimeException rejected = check(key, lsn);
        if (rejected != null) {
            return Mono.error(rejected);
        }
        return write(key, lsn, value, offset, length, willInit);
    }

    private Mono<Void> write(Key key, Lsn lsn, DirectBuffer value, int offset, int length, boolean willInit) {
        long ref;
        try {
            BlobRef.encode(file.valuesSize(), willInit); // checks the offset fits before anything is written
            ref = BlobRef.encode(file.writeBlob(value, offset, length), willInit);
        } catch (RuntimeException e) {
            return Mono.error(e);
        }
        return indexed(key, lsn, ref);
    }

    /** Indexes the blob just written at {@code ref}; then flushes if the blob buffer is full. */
    private Mono<Void> indexed(Key key, Lsn lsn, long ref) {
        file.appendIndex(DeltaKey.write(key, lsn, keyBuf), ref);
        lastKey = key;
        lastLsn = lsn.value();
        numEntries++;
        return file.flushIfNeeded();
    }

    private RuntimeException check(Key key, Lsn lsn) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lsn, "lsn");
        if (lsn.compareTo(lsnStart) < 0 || lsn.compareTo(lsnEnd) >= 0) {
            return new IllegalArgumentException("LSN " + lsn + " of key " + key + " is outside the delta layer's "
                    + "LSN range [" + lsnStart + ", " + lsnEnd + ")");
        }
        if (key.compareTo(keyStart) < 0) {
            return new IllegalArgumentException("key " + key + " is below the delta layer's start key " + keyStart);
        }
        if (lastKey != null) {
            int c = key.compareTo(lastKey);
            if (c == 0) {
                c = Long.compareUnsigned(lsn.value(), lastLsn);
            }
            if (c <= 0) {
                String last = lastKey + "@" + new Lsn(lastLsn);
                return new IllegalArgumentException(c == 0
                        ? "duplicate (key, lsn) in delta layer: " + key + "@" + lsn + " was already written"
                        : "delta layer entries must be in strictly increasing (key, lsn) order: " + key + "@" + lsn
                                + " is below the previous " + last);
            }
        }
        return null;
    }

    /** (key, lsn) entries written so far. */
    public long numEntries() {
        return numEntries;
    }

    /** Neon's {@code size()}: values written (summary block included) plus the index blocks finished so far. */
    public long estimatedSize() {
        return file.valuesSize() + file.indexSize();
    }

    /**
     * Finishes the layer covering {@code [keyStart, endKey)}: every key written must be below {@code endKey}, and
     * the file must not exceed the 4 500 000 000-byte upload limit (else it is removed and the finish fails).
     */
    public Mono<WrittenLayer<DeltaLayerSummary>> finish(Key endKey) {
        Objects.requireNonNull(endKey, "endKey");
        return Mono.defer(() -> {
            KeyRange range = new KeyRange(keyStart, endKey);
            if (range.isEmpty() || (lastKey != null && lastKey.compareTo(endKey) >= 0)) {
                return file.abort().then(Mono.error(new IllegalArgumentException("end key " + endKey
                        + " must be above the start key " + keyStart + " and every written key (last "
                        + lastKey + ")")));
            }
            DeltaLayerName name = new DeltaLayerName(range, lsnStart, lsnEnd);
            Path target = ctx.finalPath(name);
            DeltaLayerSummary expected = DeltaLayerSummary.expected(ctx.tenantId(), ctx.timelineId(), range,
                    lsnStart, lsnEnd);
            return Failpoints.hit(FAILPOINT_BEFORE_FINISH, "writing " + file.tempPath())
                    .onErrorResume(e -> file.abort().then(Mono.error(e)))
                    .then(Mono.defer(() -> file.finish(layout -> expected.withIndex(layout.indexStartBlk(),
                            layout.indexRootBlk()), target, uploadLimit)))
                    .map(layout -> new WrittenLayer<>(expected.withIndex(layout.indexStartBlk(),
                            layout.indexRootBlk()), name, target, layout.fileSize()));
        });
    }

    /** Finishes an L0 layer: key range {@code [Key.MIN, Key.MAX)}. */
    public Mono<WrittenLayer<DeltaLayerSummary>> finishL0() {
        return finish(KeyRange.FULL.end());
    }

    /** Gives up: removes the temporary file. Idempotent; a no-op after a successful finish. */
    public Mono<Void> abort() {
        return file.abort();
    }

    @Override
    public String toString() {
        return "DeltaLayerWriter{" + keyStart + "-XXX__" + lsnStart.toFileNameHex() + "-" + lsnEnd.toFileNameHex()
                + ", entries=" + numEntries + ", temp=" + file.tempPath() + '}';
    }
}
