package io.strata.engine.compaction;

import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.read.PersistentLayer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A layer the {@link MergeIterator} reads (Neon's {@code LayerRef}): its name, known without touching the file,
 * and its values as a lazy stream, so a layer is opened and read only once the merge reaches its first key.
 */
public interface LayerSource {
    /** The layer's name: its key range, LSN or LSN range, and kind. */
    LayerName name();

    /**
     * Every value in (key, lsn) order, one list per planned read, as {@link LayerReader#batches}. Cold: nothing
     * is opened or read before subscription, and cancelling releases every buffer (and whatever was opened).
     */
    Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options);

    /** A layer whose reader is already open; the merge does not close it. */
    static LayerSource of(LayerReader<?> reader) {
        Objects.requireNonNull(reader, "reader");
        LayerName name = reader.summary().layerName();
        return new LayerSource() {
            @Override
            public LayerName name() {
                return name;
            }

            @Override
            public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
                return reader.batches(pool, options);
            }

            @Override
            public String toString() {
                return name.toString();
            }
        };
    }

    /** A layer of a timeline snapshot: its shared reader is opened on first use and left open for other reads. */
    static LayerSource of(PersistentLayer layer) {
        Objects.requireNonNull(layer, "layer");
        LayerName name = layer.desc().name();
        return new LayerSource() {
            @Override
            public LayerName name() {
                return name;
            }

            @Override
            public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
                return layer.reader().flatMapMany(r -> r.batches(pool, options));
            }

            @Override
            public String toString() {
                return name.toString();
            }
        };
    }

    /**
     * The layer file at {@code path}, opened when the stream is subscribed and closed when it ends, fails or is
     * cancelled. Its summary must describe {@code name}, else the stream fails with
     * {@link LayerCorruptionException}.
     */
    static LayerSource open(IoEngine engine, BlockCache cache, Path path, LayerName name) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(name, "name");
        return new LayerSource() {
            @Override
            public LayerName name() {
                return name;
            }

            @Override
            public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
                Mono<LayerReader<?>> open = name.isDelta()
                        ? DeltaLayerReader.open(engine, cache, path, null).map(r -> r)
                        : ImageLayerReader.open(engine, cache, path, null).map(r -> r);
                return Flux.usingWhen(open, r -> {
                    if (!r.summary().layerName().equals(name)) {
                        return Flux.error(new LayerCorruptionException(path, "summary describes layer "
                                + r.summary().layerName() + ", expected " + name));
                    }
                    return r.batches(pool, options);
                }, LayerReader::close, (r, e) -> r.close(), LayerReader::close);
            }

            @Override
            public String toString() {
                return name + " at " + path;
            }
        };
    }
}
