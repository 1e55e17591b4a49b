package io.strata.engine.compaction.tiered;

import io.strata.engine.compaction.LayerSource;
import io.strata.engine.compaction.MergeItem;
import io.strata.engine.compaction.MergeIterator;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code TimelineAdaptor}: a real timeline as tiered compaction's {@link CompactionJobExecutor}. New layers
 * are written as compaction asks for them and collected with the layers to delete; {@link #flushUpdates()} swaps
 * them into the index and the layer map in one atomic update (also before every {@link #getLayers}, so the
 * algorithm sees its own work). A layer file not yet swapped in is removed by {@link #abandon()} when the run
 * fails or is cancelled. Neon's failpoints of {@code create_delta} and {@code create_image} are in the layer
 * writers' finish, which every layer written here goes through.
 *
 * <p>Neon's {@code create_delta} writes every entry of its input layers; Strata writes those inside the requested
 * key and LSN window only, as the executor's contract says: an input layer may extend beyond the window, and its
 * other entries belong to the layers created for the other windows.
 *
 * <p>Single use, one call at a time (as compaction calls it); the caller holds the timeline's compaction lock and
 * read guard for the whole run.
 */
public final class TimelineAdaptor implements CompactionJobExecutor<Key, TimelineAdaptor.LayerHandle,
        TimelineAdaptor.ResidentDeltaLayer, String> {
    private static final Logger log = LoggerFactory.getLogger(TimelineAdaptor.class);

    private final Timeline timeline;
    private final Lsn keyspaceLsn;
    private final List<Range<Key>> keyspace;
    private final ImageLayerCreation images;
    private final AlignedBufferPool pool;
    private final IteratorOptions iterator;
    private final List<WrittenLayer<?>> newLayers = new ArrayList<>();
    private final List<PersistentLayerDesc> layersToDelete = new ArrayList<>();
    /** The last index update started, its failure swallowed: what {@link #abandon()} waits for. */
    private Mono<Void> committing = Mono.empty();
    private int deltasCreated;
    private int imagesCreated;
    private int layersDeleted;

    /**
     * @param keyspaceLsn the LSN the key space was collected at (the compaction's end LSN)
     * @param dense       the timeline's dense key space at {@code keyspaceLsn} (Neon ignores the sparse one here)
     */
    public TimelineAdaptor(Timeline timeline, Lsn keyspaceLsn, KeySpace dense, ImageLayerCreation images,
                           AlignedBufferPool pool, IteratorOptions iterator) {
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.keyspaceLsn = Objects.requireNonNull(keyspaceLsn, "keyspaceLsn");
        this.keyspace = dense.ranges().stream().map(PageCompactionKey::fromKeyRange).toList();
        this.images = Objects.requireNonNull(images, "images");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.iterator = Objects.requireNonNull(iterator, "iterator");
    }

    /** A historic layer of the timeline as compaction sees it (Neon's {@code OwnArc<PersistentLayerDesc>}). */
    public record LayerHandle(PersistentLayerDesc desc) implements CompactionLayer<Key> {
        @Override
        public Range<Key> keyRange() {
            return PageCompactionKey.fromKeyRange(desc.keyRange());
        }

        @Override
        public Range<Lsn> lsnRange() {
            return Range.of(desc.lsnStart(), desc.lsnEnd());
        }

        @Override
        public long fileSize() {
            return desc.fileSize();
        }

        @Override
        public String shortId() {
            return desc.name().toString();
        }

        @Override
        public boolean isDelta() {
            return desc.isDelta();
        }
    }

    /** One index entry of a delta layer, with its stored size. */
    public record Entry(DeltaEntry entry) implements CompactionDeltaEntry<Key> {
        @Override
        public Key key() {
            return entry.key();
        }

        @Override
        public Lsn lsn() {
            return entry.lsn();
        }

        @Override
        public long size() {
            return entry.size();
        }
    }

    /** An open delta layer of the timeline (Neon's {@code ResidentDeltaLayer}). */
    public record ResidentDeltaLayer(LayerHandle handle, PersistentLayer layer)
            implements CompactionDeltaLayer<Key, String, Entry> {
        @Override
        public Range<Key> keyRange() {
            return handle.keyRange();
        }

        @Override
        public Range<Lsn> lsnRange() {
            return handle.lsnRange();
        }

        @Override
        public long fileSize() {
            return handle.fileSize();
        }

        @Override
        public String shortId() {
            return handle.shortId();
        }

        @Override
        public boolean isDelta() {
            return true;
        }

        @Override
        public Flux<Entry> loadKeys(String ctx) {
            return layer.reader().flatMapMany(r -> {
                if (!(r instanceof DeltaLayerReader d)) {
                    return Flux.error(new IllegalStateException("layer " + handle.shortId() + " is not a delta layer"));
                }
                return d.loadKeys().map(Entry::new);
            });
        }
    }

    @Override
    public CompactionKey<Key> compactionKey() {
        return PageCompactionKey.INSTANCE;
    }

    @Override
    public ShardIdentity getShardIdentity() {
        return ShardIdentity.unsharded(); // Strata timelines hold all keys
    }

    @Override
    public Mono<List<LayerHandle>> getLayers(Range<Key> keyRange, Range<Lsn> lsnRange, String ctx) {
        return flushUpdates().then(Mono.fromSupplier(() -> {
            List<LayerHandle> result = new ArrayList<>();
            for (PersistentLayerDesc d : timeline.layers().map().historicLayers()) {
                LayerHandle h = new LayerHandle(d);
                if (CompactionHelpers.overlapsWith(h.lsnRange(), lsnRange)
                        && CompactionHelpers.overlapsWith(h.keyRange(), keyRange, PageCompactionKey.INSTANCE)) {
                    result.add(h);
                }
            }
            return result;
        }));
    }

    @Override
    public Mono<List<Range<Key>>> getKeyspace(Range<Key> keyRange, Lsn lsn, String ctx) {
        if (!lsn.equals(keyspaceLsn)) {
            // the algorithm only ever asks at the compaction's end LSN
            return Mono.error(new IllegalArgumentException(timeline.name() + ": key space not available at " + lsn
                    + " (collected at " + keyspaceLsn + ")"));
        }
        return Mono.just(CompactionHelpers.intersectKeyspace(keyspace, keyRange, PageCompactionKey.INSTANCE));
    }

    @Override
    public Mono<ResidentDeltaLayer> downcastDeltaLayer(LayerHandle layer, String ctx) {
        if (!layer.isDelta()) {
            return Mono.empty();
        }
        return Mono.defer(() -> {
            ReadableLayer r = timeline.layers().persistent().get(layer.desc().name());
            if (!(r instanceof PersistentLayer p)) {
                return Mono.error(new IllegalStateException(timeline.name() + ": layer " + layer.shortId()
                        + " is not in the layer map any more"));
            }
            return Mono.just(new ResidentDeltaLayer(layer, p));
        });
    }

    @Override
    public Mono<Void> createImage(Lsn lsn, Range<Key> keyRange, String ctx) {
        return Mono.defer(() -> {
            KeyRange range = PageCompactionKey.toKeyRange(keyRange);
            KeySpace.Builder b = KeySpace.builder();
            for (Range<Key> r : CompactionHelpers.intersectKeyspace(keyspace, keyRange, PageCompactionKey.INSTANCE)) {
                b.add(PageCompactionKey.toKeyRange(r));
            }
            return images.createImageLayer(b.build(), range, lsn).doOnNext(l -> l.ifPresent(written -> {
                add(written);
                imagesCreated++;
                log.debug("{}: tiered compaction created image layer {}", timeline.name(), written.name());
            })).then();
        });
    }

    @Override
    public Mono<Void> createDelta(Range<Lsn> lsnRange, Range<Key> keyRange, List<ResidentDeltaLayer> inputLayers,
                                  String ctx) {
        return Mono.defer(() -> {
            List<LayerSource> sources = inputLayers.stream().map(l -> LayerSource.of(l.layer())).toList();
            // the writer starts at the window's start key, as Neon's
            return sources.isEmpty() ? Mono.<Void>empty()
                    : writeDelta(sources, PageCompactionKey.toKeyRange(keyRange), lsnRange);
        });
    }

    private Mono<Void> writeDelta(List<LayerSource> sources, KeyRange keys, Range<Lsn> lsnRange) {
        DeltaWindow window = new DeltaWindow();
        Flux<MergeItem> items = MergeIterator.createWithOptions(sources, pool, iterator).items()
                .filter(it -> keys.contains(it.key()) && it.lsn().compareTo(lsnRange.start()) >= 0
                        && it.lsn().compareTo(lsnRange.end()) < 0);
        return Mono.usingWhen(DeltaLayerWriter.create(timeline.writeContext(), keys.start(), lsnRange.start(),
                        lsnRange.end()),
                w -> items.concatMap(it -> {
                    if (it.key().equals(window.prevKey) && it.lsn().equals(window.prevLsn)) {
                        window.duplicates++; // an interrupted earlier run may have written some layers twice
                        return Mono.empty();
                    }
                    window.prevKey = it.key();
                    window.prevLsn = it.lsn();
                    return w.putValue(it.key(), it.lsn(), it.value());
                }, 0).then(Mono.defer(() -> {
                    if (window.prevKey == null) {
                        return w.abort().thenReturn(java.util.Optional.<WrittenLayer<?>>empty());
                    }
                    if (window.duplicates > 0) {
                        log.warn("{}: delta layer created with {} duplicate values", timeline.name(),
                                window.duplicates);
                    }
                    return w.finish(window.prevKey.next()).map(l -> java.util.Optional.<WrittenLayer<?>>of(l));
                })),
                w -> Mono.empty(), (w, e) -> w.abort(), DeltaLayerWriter::abort)
                .doOnNext(l -> l.ifPresent(written -> {
                    add(written);
                    deltasCreated++;
                    log.debug("{}: tiered compaction created delta layer {}", timeline.name(), written.name());
                }))
                .then();
    }

    private static final class DeltaWindow {
        Key prevKey;
        Lsn prevLsn;
        long duplicates;
    }

    private synchronized void add(WrittenLayer<?> layer) {
        newLayers.add(layer);
    }

    @Override
    public Mono<Void> deleteLayer(LayerHandle layer, String ctx) {
        return Mono.fromRunnable(() -> {
            synchronized (this) {
                layersToDelete.add(layer.desc());
            }
        });
    }

    /**
     * Neon's {@code flush_updates}: the layers created and the layers to delete so far, in one durable index
     * update and one layer map swap; readers see either all of it or none. The update runs to its end even if the
     * subscriber goes away ({@link #abandon()} waits for it).
     */
    public Mono<Void> flushUpdates() {
        return Mono.defer(() -> {
            List<WrittenLayer<?>> added;
            List<PersistentLayerDesc> removed;
            Mono<Void> commit;
            synchronized (this) {
                if (newLayers.isEmpty() && layersToDelete.isEmpty()) {
                    return Mono.empty();
                }
                added = List.copyOf(newLayers);
                removed = List.copyOf(layersToDelete);
                commit = timeline.replaceHistoricLayers(added, removed).doOnSuccess(v -> {
                    synchronized (this) {
                        newLayers.removeAll(added);
                        layersToDelete.removeAll(removed);
                        layersDeleted += removed.size();
                    }
                }).cache();
                committing = commit.onErrorResume(e -> Mono.empty());
            }
            commit.subscribe(null, e -> { });
            return commit;
        });
    }

    /**
     * After a failure or cancel: waits for an index update in progress, then removes the layer files written but
     * not in the index.
     */
    public Mono<Void> abandon() {
        return Mono.defer(() -> {
            Mono<Void> pending;
            synchronized (this) {
                pending = committing;
            }
            return pending.then(Mono.defer(() -> {
                List<WrittenLayer<?>> orphans;
                synchronized (this) {
                    orphans = List.copyOf(newLayers);
                    newLayers.clear();
                    layersToDelete.clear();
                }
                var indexed = timeline.indexPart().layerMetadata();
                return Flux.fromIterable(orphans)
                        .filter(l -> !indexed.containsKey(l.name()))
                        .concatMap(l -> timeline.writeContext().engine().deleteIfExists(l.path())
                                .onErrorResume(e -> {
                                    log.warn("{}: could not remove unused layer file {}: {}", timeline.name(),
                                            l.path(), e.toString());
                                    return Mono.empty();
                                }), 0)
                        .then();
            }));
        });
    }

    /** Delta layers written so far. */
    public synchronized int deltasCreated() {
        return deltasCreated;
    }

    /** Image layers written so far. */
    public synchronized int imagesCreated() {
        return imagesCreated;
    }

    /** Layers removed from the timeline so far (by completed flushes). */
    public synchronized int layersDeleted() {
        return layersDeleted;
    }
}
