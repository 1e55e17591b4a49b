package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.vectored.ChunkedVectoredReadBuilder;
import io.strata.engine.vectored.DeltaIndexPlanning;
import io.strata.engine.vectored.ImageIndexPlanning;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredRead;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * An image or delta layer file as the read path sees it (Neon's {@code Layer}): its description and its reader,
 * opened on first use and then shared by every read. Reads go through {@link LayerVisits}.
 */
public final class PersistentLayer implements ReadableLayer {
    private final PersistentLayerDesc desc;
    private final Mono<LayerReader<?>> reader;
    private final VectoredBlobReader blobReader;
    private final long maxReadSize;
    /** Where values are read through, or null to read them from the file with O_DIRECT. */
    private final BlockCache valueCache;
    private final AtomicReference<LayerReader<?>> opened = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PersistentLayer(PersistentLayerDesc desc, Mono<LayerReader<?>> reader, VectoredBlobReader blobReader,
                            long maxReadSize, BlockCache valueCache) {
        this.valueCache = valueCache;
        this.desc = Objects.requireNonNull(desc, "desc");
        // Open once and share the reader; a failed open is not remembered, the next read tries again.
        this.reader = reader.doOnNext(opened::set).cacheInvalidateIf(r -> false);
        this.blobReader = Objects.requireNonNull(blobReader, "blobReader");
        if (maxReadSize <= 0) {
            throw new IllegalArgumentException("maxReadSize must be positive, got " + maxReadSize);
        }
        this.maxReadSize = maxReadSize;
    }

    /** A layer over a reader that is already open. */
    public static PersistentLayer of(PersistentLayerDesc desc, LayerReader<?> reader, VectoredBlobReader blobReader,
                                     long maxReadSize) {
        checkKind(desc, reader);
        PersistentLayer l = new PersistentLayer(desc, Mono.just(reader), blobReader, maxReadSize, null);
        l.opened.set(reader); // open already: close() must close it even if no read ever asked for it
        return l;
    }

    /**
     * A layer whose file at {@code path} is opened on first read; the summary must name the layer of
     * {@code desc}, else reads fail with {@link LayerCorruptionException}.
     */
    public static PersistentLayer open(PersistentLayerDesc desc, IoEngine engine, BlockCache cache, Path path,
                                       VectoredBlobReader blobReader, long maxReadSize) {
        return open(desc, engine, cache, path, blobReader, maxReadSize, false);
    }

    /**
     * As {@link #open(PersistentLayerDesc, IoEngine, BlockCache, Path, VectoredBlobReader, long)}; with
     * {@code cacheValues} the values are read through {@code cache} too (hot data served from memory), not only
     * the index.
     */
    public static PersistentLayer open(PersistentLayerDesc desc, IoEngine engine, BlockCache cache, Path path,
                                       VectoredBlobReader blobReader, long maxReadSize, boolean cacheValues) {
        Mono<LayerReader<?>> open = desc.isDelta()
                ? DeltaLayerReader.open(engine, cache, path, null).map(r -> r)
                : ImageLayerReader.open(engine, cache, path, null).map(r -> r);
        Mono<LayerReader<?>> checked = open.map(r -> {
            if (!r.summary().layerName().equals(desc.name())) {
                r.close().subscribe(null, e -> { });
                throw new LayerCorruptionException(path, "summary describes layer " + r.summary().layerName()
                        + ", expected " + desc.name());
            }
            return r;
        });
        return new PersistentLayer(desc, checked, blobReader, maxReadSize, cacheValues ? cache : null);
    }

    private static void checkKind(PersistentLayerDesc desc, LayerReader<?> reader) {
        boolean delta = reader instanceof DeltaLayerReader;
        if (delta != desc.isDelta()) {
            throw new IllegalArgumentException("layer " + desc.name() + " given a " + reader);
        }
    }

    public PersistentLayerDesc desc() {
        return desc;
    }

    @Override
    public boolean isDelta() {
        return desc.isDelta();
    }

    @Override
    public String describe() {
        return desc.name().toString();
    }

    @Override
    public Mono<Void> getValuesReconstructData(KeySpace keySpace, Lsn lsnFloor, Lsn lsnCeil,
                                               ValuesReconstructState state) {
        return getValuesReconstructData(List.of(new LayerRead(keySpace, lsnFloor, lsnCeil)), state);
    }

    /** All reads in one pass over the index and one batch of IOs. */
    @Override
    public Mono<Void> getValuesReconstructData(List<LayerRead> reads, ValuesReconstructState state) {
        LayerReader<?> open = opened.get();
        return open != null ? visit(open, reads, state) : reader.flatMap(r -> visit(r, reads, state));
    }

    private Mono<Void> visit(LayerReader<?> r, List<LayerRead> reads, ValuesReconstructState state) {
        if (closed.get()) {
            return Mono.error(new IllegalStateException("layer " + desc.name() + " is closed"));
        }
        if (r instanceof DeltaLayerReader delta) {
            List<DeltaIndexPlanning.RangeAtLsns> ranges = new ArrayList<>();
            for (LayerRead read : reads) {
                for (KeyRange range : read.keySpace().ranges()) {
                    ranges.add(new DeltaIndexPlanning.RangeAtLsns(range, read.lsnFloor(), read.lsnCeil()));
                }
            }
            ranges.sort(Comparator.comparing(x -> x.range().start()));
            return LayerVisits.delta(delta, ranges, state, blobReader, valueCache, maxReadSize);
        }
        KeySpace.Builder keys = KeySpace.builder();
        reads.forEach(read -> keys.addAll(read.keySpace()));
        return LayerVisits.image((ImageLayerReader) r, desc.keyRange(), keys.build(), state, blobReader,
                valueCache, maxReadSize);
    }

    @Override
    public PointValues planPoint(Key key, Lsn lsnFloor, Lsn lsnCeil) {
        LayerReader<?> r = opened.get();
        if (r == null || closed.get()) {
            return null;
        }
        boolean image = !(r instanceof DeltaLayerReader);
        long indexStart = r.summary().indexStartBlk();
        KeyRange one = KeyRange.singleton(key);
        List<VectoredRead> reads;
        try {
            reads = image
                    ? ImageIndexPlanning.planIfReady(r.index(), indexStart, KeySpace.single(one),
                    ((ImageLayerReader) r).summary().lsn(), maxReadSize)
                    : DeltaIndexPlanning.planIfReady(r.index(), indexStart,
                    List.of(new DeltaIndexPlanning.RangeAtLsns(one, lsnFloor, lsnCeil)), maxReadSize,
                    ChunkedVectoredReadBuilder.DEFAULT_CHUNK_SIZE);
        } catch (RuntimeException e) {
            return null; // the general path reports a damaged index with the layer's path
        }
        if (reads == null) {
            return null;
        }
        return PlannedValues.of(r, image, key, reads, blobReader, valueCache);
    }

    /**
     * The layer's reader, opening the file on first use: for work that reads a whole layer (its keys, its values in
     * order) rather than planned values. Hold the timeline's read guard while using it, so that the layer is not
     * closed under it. Fails once the layer is closed.
     */
    public Mono<LayerReader<?>> reader() {
        return Mono.defer(() -> closed.get()
                ? Mono.error(new IllegalStateException("layer " + desc.name() + " is closed"))
                : reader);
    }

    /** Closes the reader if it was opened; later reads fail. Idempotent. */
    public Mono<Void> close() {
        return Mono.defer(() -> {
            LayerReader<?> r = opened.get();
            return closed.compareAndSet(false, true) && r != null ? r.close() : Mono.empty();
        });
    }

    @Override
    public String toString() {
        return "PersistentLayer{" + desc + "}";
    }
}
