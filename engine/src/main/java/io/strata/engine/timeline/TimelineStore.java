package io.strata.engine.timeline;

import io.strata.engine.inmemory.InMemoryLayer;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIndex;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layermap.BatchedUpdates;
import io.strata.engine.layermap.InMemoryLayerDesc;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.value.Value;
import io.strata.engine.value.ValueCodec;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.write.EphemeralFile;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The on-disk side of a timeline: ingest into the open in-memory layer, rolls, the background flush of frozen layers
 * to L0 delta files, and the durable index. Neon's {@code TimelineWriter}, flush loop and {@code schedule_uploads}
 * in one place.
 *
 * <p><b>Serialization.</b> Batches, rolls and explicit freezes run one at a time under {@link #writeLock} (Neon's
 * write guard); the flush loop runs one flush at a time, oldest frozen layer first; index changes (flush results,
 * and later compaction and GC) run one at a time under {@link #indexLock}, each writing the whole index atomically
 * and then publishing the matching layer snapshot. No thread ever waits on any of them.
 */
final class TimelineStore {
    private static final Logger log = LoggerFactory.getLogger(TimelineStore.class);

    private final TimelineResources res;
    private final TimelineConfig cfg;
    private final Path dir;
    private final LayerWriteContext ctx;
    private final AlignedBufferPool ephemeralPool;
    private final EphemeralFile.Options ephemeralOptions;
    private final SerialExecutor writeLock = new SerialExecutor();
    private final SerialExecutor indexLock = new SerialExecutor();
    private final TimelineStats stats = new TimelineStats();
    private Timeline tl;

    /** The index as last made durable; replaced only under {@link #indexLock}. */
    private volatile IndexPart index;
    private volatile Lsn lastRecordLsn;
    private volatile Lsn diskConsistentLsn;
    final Watch<Lsn> lastRecordWatch = new Watch<>(() -> lastRecordLsn);
    final Watch<Lsn> diskConsistentWatch = new Watch<>(() -> diskConsistentLsn);
    private final Watch<Integer> l0Watch;
    private final Watch<Integer> frozenWatch;
    private final Watch<Boolean> flushIdle;

    // The writer's state: touched only under writeLock (and by the test kit's forced layers, also under it).
    private InMemoryLayer open;
    private long openSize;
    private Lsn openMaxLsn;
    private long openedAtNanos;
    private Lsn lastFreezeAt;
    private Lsn nextOpenLayerAt;
    private long nextLayerId = 1;

    /** Frozen layers waiting for their flush, oldest first. */
    private final ConcurrentLinkedDeque<Frozen> frozen = new ConcurrentLinkedDeque<>();
    private final AtomicInteger flushWip = new AtomicInteger();
    private volatile Throwable broken;

    /** Reads below it are refused; moves forward only, in memory first, then in the index with GC's commit. */
    private volatile Lsn appliedGcCutoff;
    /**
     * The highest cutoff at which legacy GC removed layers: below it a key's history may be cut (its base removed
     * once a newer image covered it). Loaded as the index's cutoff (GC may have removed layers before the restart);
     * the test kit's forced cutoff leaves it alone.
     */
    private volatile Lsn gcRemovedHistoryBelow;
    /** Until then GC is held back and lease renewals are not checked against the planned cutoff (after a load). */
    private final Instant gcBlockedUntil;
    /** When LSNs arrived: the PITR cutoff. */
    final LsnTimeHistory lsnTimes = new LsnTimeHistory();
    /** One GC run at a time. */
    private final SerialExecutor gcLock = new SerialExecutor();
    /** Set when shutdown starts: ingest is refused from then on. */
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Set once shutdown's own flush is done: the flush loop stops, waits end. */
    private volatile boolean stopping;
    private final Sinks.One<Void> closed = Sinks.one();

    /** A frozen layer and the signal of its flush: the disk-consistent LSN it reached, or the flush's error. */
    private record Frozen(InMemoryLayer layer, Sinks.One<Lsn> flushed) {
    }

    TimelineStore(TimelineResources res, Path dir, LayerWriteContext ctx, IndexPart index, Instant gcBlockedUntil) {
        this.res = res;
        this.gcBlockedUntil = gcBlockedUntil;
        this.appliedGcCutoff = index.metadata().latestGcCutoffLsn();
        this.gcRemovedHistoryBelow = appliedGcCutoff;
        this.cfg = res.config();
        this.dir = dir;
        this.ctx = ctx;
        this.index = index;
        this.diskConsistentLsn = index.metadata().diskConsistentLsn();
        this.lastRecordLsn = diskConsistentLsn;
        // Neon: last_freeze_at starts at the disk-consistent LSN, the next open layer just above it
        this.lastFreezeAt = diskConsistentLsn;
        this.nextOpenLayerAt = diskConsistentLsn.add(1);
        this.ephemeralPool = new AlignedBufferPool(cfg.ephemeralBufferSize(), cfg.ephemeralPoolBuffers(),
                res.writePool().alignment());
        this.ephemeralOptions = EphemeralFile.Options.defaults().withMaxWritesInFlight(cfg.ephemeralWritesInFlight());
        this.l0Watch = new Watch<>(this::l0Count);
        this.frozenWatch = new Watch<>(frozen::size);
        this.flushIdle = new Watch<>(() -> flushWip.get() == 0);
    }

    void attach(Timeline timeline) {
        this.tl = timeline;
    }

    Path directory() {
        return dir;
    }

    LayerWriteContext writeContext() {
        return ctx;
    }

    TimelineResources resources() {
        return res;
    }

    IndexPart index() {
        return index;
    }

    Lsn lastRecordLsn() {
        return lastRecordLsn;
    }

    Lsn diskConsistentLsn() {
        return diskConsistentLsn;
    }

    TimelineStats.Snapshot stats() {
        return stats.snapshot(l0Count(), frozen.size());
    }

    int l0Count() {
        return tl == null ? 0 : tl.layers().map().level0Deltas().size();
    }

    /** Called after every publication of a new layer snapshot. */
    void layersChanged() {
        l0Watch.changed();
    }

    /** Completes when every layer retired so far is cleaned up (its file deleted), after the reads that hold it. */
    Mono<Void> retiredFilesDeleted() {
        return tl.readers().awaitRetired();
    }

    private String name() {
        return "timeline " + ctx.tenantId() + "/" + ctx.timelineId();
    }

    // ------------------------------------------------------------------------------------------------ ingest

    /** {@code Timeline.ingest}: each batch written in turn, the next one requested only once this one is done. */
    Mono<Void> ingest(Flux<List<IngestRecord>> batches) {
        Objects.requireNonNull(batches, "batches");
        return Mono.defer(() -> {
            Throwable refused = refusal();
            if (refused != null) {
                return Mono.error(refused);
            }
            // prefetch 0: the next batch is requested only when this one (and any backpressure wait) completed
            return batches.concatMap(this::writeBatch, 0).then();
        });
    }

    Mono<Void> writeBatch(List<IngestRecord> batch) {
        Objects.requireNonNull(batch, "batch");
        return writeLock.submit(() -> writeBatchLocked(batch));
    }

    /** Why writes are refused now, or null. */
    private Throwable refusal() {
        if (closing.get()) {
            return new IllegalStateException(name() + " is shut down: ingest refused");
        }
        Throwable b = broken;
        if (b != null) {
            return new IllegalStateException(name() + ": ingest stopped after a failed flush: " + b.getMessage(), b);
        }
        return null;
    }

    private Mono<Void> writeBatchLocked(List<IngestRecord> batch) {
        Throwable refused = refusal();
        if (refused != null) {
            return Mono.error(refused);
        }
        if (batch.isEmpty()) {
            return Mono.empty();
        }
        List<LayerEntry> entries = new ArrayList<>(batch.size());
        long bytes = 0;
        Lsn previous = null;
        for (int i = 0; i < batch.size(); i++) {
            IngestRecord r = Objects.requireNonNull(batch.get(i), "record");
            Lsn lsn = r.lsn();
            if (previous == null) {
                if (!lsn.isAfter(lastRecordLsn)) {
                    return Mono.error(new IngestOrderException(name() + ": record 0 of the batch, key " + r.key()
                            + " at LSN " + lsn + ", is not above the last record LSN " + lastRecordLsn
                            + " (each batch must start above the previous batch's last LSN)", r.key(), lsn,
                            lastRecordLsn));
                }
            } else if (lsn.isBefore(previous)) {
                return Mono.error(new IngestOrderException(name() + ": record " + i + " of the batch, key " + r.key()
                        + " at LSN " + lsn + ", is below the LSN " + previous + " of the record before it (LSNs "
                        + "must not decrease within a batch)", r.key(), lsn, previous));
            }
            if (lsn.equals(Lsn.MAX)) {
                return Mono.error(new IllegalArgumentException(name() + ": record " + i + " of the batch, key "
                        + r.key() + ", has LSN " + lsn + ", the largest LSN, which no layer can end after"));
            }
            previous = lsn;
            entries.add(r.toEntry());
            bytes += serializedSize(r.value());
        }
        Lsn maxLsn = previous;
        long batchBytes = bytes;
        Mono<Void> prepare = Mono.empty();
        if (open != null && openSize > 0 && shouldRoll(maxLsn, openSize + batchBytes)) {
            prepare = roll(openMaxLsn);
        }
        return prepare
                .then(Mono.defer(() -> open != null ? Mono.just(open) : openLayer()))
                .flatMap(layer -> layer.putBatch(entries).then(Mono.fromRunnable(() -> {
                    openSize = layer.size();
                    openMaxLsn = maxLsn;
                    lastRecordLsn = maxLsn;
                    lsnTimes.record(Instant.now(), maxLsn);
                    stats.recordBatch(entries.size(), batchBytes);
                    lastRecordWatch.changed();
                })));
    }

    /** Bytes a value takes in the ephemeral file: exact for images (the bulk of ingest), encoded otherwise. */
    static long serializedSize(Value v) {
        if (v instanceof Value.Image img) {
            return 4 + 8 + img.bytes().length; // bincode: u32 variant, u64 length, bytes
        }
        return ValueCodec.serialize(v).length;
    }

    /** Neon's {@code should_roll}: LSN distance since the last freeze, the layer's size, or its age. */
    private boolean shouldRoll(Lsn projectedLsn, long projectedSize) {
        long distance = projectedLsn.value() - lastFreezeAt.value();
        if (Long.compareUnsigned(distance, cfg.checkpointDistance()) >= 0) {
            return true;
        }
        if (projectedSize >= cfg.checkpointDistance()) {
            return true;
        }
        return distance != 0 && System.nanoTime() - openedAtNanos >= cfg.checkpointTimeout().toNanos();
    }

    /**
     * Neon's {@code roll_layer}: freezes the open layer at {@code freezeAt} (inclusive), asks for a flush, and,
     * when the L0 count has reached the delay or stall threshold, waits for that flush (which the flush loop itself
     * delays or stalls): compaction backpressure reaching ingest. Also waits while more than
     * {@code maxFrozenLayers} frozen layers are pending.
     */
    private Mono<Void> roll(Lsn freezeAt) {
        int l0 = l0Count();
        OptionalInt wait = min(cfg.effectiveL0FlushDelayThreshold(), cfg.effectiveL0FlushStallThreshold());
        Frozen f = freezeOpen(freezeAt);
        requestFlush();
        Mono<Void> waits = Mono.empty();
        if (wait.isPresent() && l0 >= wait.getAsInt()) {
            log.debug("{}: layer roll waiting for flush due to compaction backpressure at {} L0 layers", name(), l0);
            stats.rollWaits.incrementAndGet();
            waits = f.flushed().asMono().then();
        }
        if (frozen.size() > cfg.maxFrozenLayers()) {
            stats.frozenWaits.incrementAndGet();
            waits = waits.then(frozenWatch.waitFor(n -> n <= cfg.maxFrozenLayers())
                    .then(Mono.defer(() -> {
                        Throwable r = refusal();
                        return r == null ? Mono.<Void>empty() : Mono.error(r);
                    })));
        }
        return waits;
    }

    private static OptionalInt min(OptionalInt a, OptionalInt b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isEmpty() ? a : OptionalInt.of(Math.min(a.getAsInt(), b.getAsInt()));
    }

    /** Freezes the open layer with the exclusive end {@code at + 1} and queues it for flushing. */
    private Frozen freezeOpen(Lsn at) {
        Lsn end = at.add(1);
        InMemoryLayer l = open;
        l.freeze(end);
        Frozen f = new Frozen(l, Sinks.one());
        tl.publish(s -> new LayerSnapshot(s.map().freezeOpenLayer(end), s.persistent(), s.inMemory()));
        frozen.addLast(f); // after the map knows it: a flush that finds it can remove it from the map
        open = null;
        openSize = 0;
        lastFreezeAt = end;
        nextOpenLayerAt = end;
        stats.freezes.incrementAndGet();
        frozenWatch.changed();
        Throwable b = broken;
        if (b != null) {
            f.flushed().tryEmitError(b);
        }
        return f;
    }

    /** Neon's {@code get_layer_for_write} without an open layer: a new one at the next open layer LSN. */
    private Mono<InMemoryLayer> openLayer() {
        long id = nextLayerId++;
        Lsn start = nextOpenLayerAt;
        return InMemoryLayer.create(res.engine(), dir, id, start, ephemeralPool, ephemeralOptions).map(l -> {
            open = l;
            openSize = 0;
            openedAtNanos = System.nanoTime();
            tl.publish(s -> new LayerSnapshot(s.map().withOpenLayer(InMemoryLayerDesc.open(id, start)),
                    s.persistent(), with(s.inMemory(), id, l)));
            return l;
        });
    }

    private static <K, V> Map<K, V> with(Map<K, V> m, K k, V v) {
        Map<K, V> copy = new HashMap<>(m);
        copy.put(k, v);
        return copy;
    }

    private static <K, V> Map<K, V> without(Map<K, V> m, Collection<K> ks) {
        Map<K, V> copy = new HashMap<>(m);
        ks.forEach(copy::remove);
        return copy;
    }

    /**
     * Neon's {@code freeze_and_flush}: freezes the open layer at the last record LSN (if it holds anything) and
     * waits until every frozen layer is flushed; emits the disk-consistent LSN then.
     */
    Mono<Lsn> freezeAndFlush() {
        return writeLock.submit(() -> {
            if (stopping) {
                return Mono.<Mono<Lsn>>error(new IllegalStateException(name() + " is shut down"));
            }
            Throwable b = broken;
            if (b != null) {
                return Mono.<Mono<Lsn>>error(new IllegalStateException(name() + ": flush stopped after a failed "
                        + "flush: " + b.getMessage(), b));
            }
            if (open != null && openSize > 0) {
                freezeOpen(lastRecordLsn);
            }
            requestFlush();
            Frozen last = frozen.peekLast();
            Mono<Lsn> done = last == null ? Mono.fromSupplier(() -> diskConsistentLsn) : last.flushed().asMono();
            return Mono.just(done);
        }).flatMap(done -> done);
    }

    // ------------------------------------------------------------------------------------------------ flush

    /** Wakes the flush loop (Neon's {@code layer_flush_start_tx}); one loop runs at a time. */
    private void requestFlush() {
        if (flushWip.getAndIncrement() == 0) {
            flushIdle.changed();
            flushLoop(1);
        }
    }

    private void flushLoop(int missed) {
        Mono.defer(this::flushHead)
                .repeat(() -> !frozen.isEmpty() && broken == null && !stopping)
                .then()
                .subscribe(null, e -> log.error("{}: flush loop failed", name(), e), () -> {
                    int m = flushWip.addAndGet(-missed);
                    if (m != 0) {
                        flushLoop(m);
                    } else {
                        flushIdle.changed();
                    }
                });
    }

    private Mono<Void> flushHead() {
        Frozen f = frozen.peekFirst();
        if (f == null || broken != null || stopping) {
            return Mono.empty();
        }
        return flushOne(f);
    }

    /** Neon's flush loop body for one layer: stall, flush, delay. Never fails: a failure breaks the timeline. */
    private Mono<Void> flushOne(Frozen f) {
        OptionalInt stall = cfg.effectiveL0FlushStallThreshold();
        int l0 = l0Count();
        if (stall.isPresent() && l0 >= stall.getAsInt()) {
            log.warn("{}: stalling layer flushes for compaction backpressure at {} L0 layers ({} frozen layers)",
                    name(), l0, frozen.size());
            stats.stalls.incrementAndGet();
            long t0 = System.nanoTime();
            return l0Watch.waitFor(n -> n < stall.getAsInt())
                    .doOnNext(n -> log.info("{}: resuming layer flushes at {} L0 layers after {} ms", name(), n,
                            (System.nanoTime() - t0) / 1_000_000))
                    .then(Mono.defer(() -> stopping ? Mono.<Void>empty() : flushOne(f)))
                    .onErrorResume(e -> failFlush(f, e));
        }
        long t0 = System.nanoTime();
        Lsn end = f.layer().endLsn();
        Lsn newDcl = new Lsn(end.value() - 1);
        return f.layer().writeToDisk(ctx)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("frozen layer " + f.layer().describe()
                        + " holds no values")))
                .flatMap(w -> openWritten(w).onErrorResume(e -> deleteQuietly(w.path()).then(Mono.error(e))))
                .flatMap(layer -> commit(List.of(layer), ShardIndex.UNSHARDED, List.of(), newDcl, f.layer(), null,
                        null)
                        .onErrorResume(e -> layer.close().onErrorResume(x -> Mono.empty())
                                .then(deleteQuietly(pathOf(layer.desc().name())))
                                .then(Mono.error(e))))
                .then(Mono.fromRunnable(() -> {
                    frozen.pollFirst();
                    stats.flushes.incrementAndGet();
                    stats.flushedBytes.addAndGet(f.layer().size());
                    frozenWatch.changed();
                    f.flushed().tryEmitValue(newDcl);
                }))
                .then(Mono.defer(() -> delayAfterFlush(System.nanoTime() - t0)))
                .onErrorResume(e -> failFlush(f, e));
    }

    /** Neon: after a flush at or above the delay threshold, pause as long as the flush took (or until L0s drop). */
    private Mono<Void> delayAfterFlush(long flushNanos) {
        OptionalInt delay = cfg.effectiveL0FlushDelayThreshold();
        int l0 = l0Count();
        if (delay.isEmpty() || l0 < delay.getAsInt() || stopping) {
            return Mono.empty();
        }
        log.info("{}: delaying layer flush by {} ms for compaction backpressure at {} L0 layers", name(),
                flushNanos / 1_000_000, l0);
        stats.delays.incrementAndGet();
        return Mono.firstWithSignal(Mono.delay(Duration.ofNanos(flushNanos)).then(),
                l0Watch.waitFor(n -> n < delay.getAsInt()).then().onErrorResume(e -> Mono.empty()));
    }

    private Mono<Void> failFlush(Frozen f, Throwable e) {
        Throwable cause = stopping ? new IllegalStateException(name() + " shut down before flushing "
                + f.layer().describe(), e) : e;
        if (!stopping) {
            log.error("{}: could not flush frozen layer {}; ingest stops (reads go on)", name(), f.layer().describe(),
                    e);
        }
        if (broken == null) {
            broken = cause;
        }
        failPendingFlushes(cause);
        lastRecordWatch.changed();
        return Mono.empty();
    }

    private void failPendingFlushes(Throwable cause) {
        for (Frozen x : frozen) {
            x.flushed().tryEmitError(cause);
        }
        frozenWatch.close(cause);
    }

    /** Opens a just-written layer file, checking its summary names the layer. */
    private Mono<PersistentLayer> openWritten(WrittenLayer<?> w) {
        PersistentLayerDesc desc = new PersistentLayerDesc(w.name(), w.fileSize());
        return LayerFiles.open(res, ctx, desc, w.path()).map(r -> PersistentLayer.of(desc, r, res.blobReader(),
                res.maxReadSize()));
    }

    private Path pathOf(LayerName name) {
        return ctx.finalPath(name);
    }

    private Mono<Void> deleteQuietly(Path p) {
        return res.engine().deleteIfExists(p).onErrorResume(e -> {
            log.warn("{}: could not remove {}: {}", name(), p, e.toString());
            return Mono.empty();
        });
    }

    // ------------------------------------------------------------------------------------------------ index

    /**
     * One change of the timeline's layers, durable then visible: under the index lock, writes the index with
     * {@code added} (files of this generation) and without {@code removed} (and, if given, the new disk-consistent
     * LSN, the new applied GC cutoff and the gc-compaction state), then publishes the matching snapshot (the flushed
     * in-memory layer, if any, leaves it), advances the disk-consistent LSN, and retires what left: removed layer
     * files are closed and deleted in the background, a flushed in-memory layer closed (its ephemeral file removed)
     * before this completes, each once no read holds it. Fails,
     * changing nothing, when a layer to remove is no longer in the index (a concurrent compaction or GC took it).
     * {@code addedShard} is recorded as the shard that wrote the added layers. A removed layer's file is the one
     * the index names (its own generation), so an added layer may have a removed one's name (a rewrite).
     */
    Mono<Void> commit(List<PersistentLayer> added, ShardIndex addedShard, List<PersistentLayerDesc> removed,
                      Lsn newDcl, InMemoryLayer flushed, Lsn newGcCutoff, IndexPart.GcCompactionState gcState) {
        return indexLock.submit(() -> {
            for (PersistentLayerDesc r : removed) {
                if (!index.layerMetadata().containsKey(r.name())) {
                    return Mono.error(new IllegalStateException(name() + ": layer " + r.name() + " is no longer "
                            + "part of the timeline (removed by a concurrent compaction or GC); nothing changed"));
                }
            }
            Map<LayerName, Path> removedPaths = new HashMap<>();
            for (PersistentLayerDesc r : removed) {
                removedPaths.put(r.name(), dir.resolve(r.name().localFileName(
                        index.layerMetadata().get(r.name()).generation())));
            }
            Map<LayerName, IndexPart.LayerFileMetadata> meta = new HashMap<>();
            for (PersistentLayer l : added) {
                meta.put(l.desc().name(), new IndexPart.LayerFileMetadata(l.desc().fileSize(), ctx.generation(),
                        addedShard));
            }
            List<LayerName> removedNames = removed.stream().map(PersistentLayerDesc::name).toList();
            IndexPart next = index.withLayers(meta, removedNames);
            if (newDcl != null && newDcl.isAfter(next.diskConsistentLsn())) {
                next = next.withDiskConsistentLsn(newDcl);
            }
            if (newGcCutoff != null && newGcCutoff.isAfter(next.metadata().latestGcCutoffLsn())) {
                next = next.withMetadata(next.metadata().withLatestGcCutoffLsn(newGcCutoff));
            }
            if (gcState != null) {
                next = next.withGcCompaction(Optional.of(gcState));
            }
            IndexPart written = next;
            return DurableFiles.writeAtomically(res.engine(), res.writePool(), dir.resolve(IndexPart.FILE_NAME),
                    written.toJson()).then(Mono.defer(() -> publishCommit(written, added, removed, removedPaths, flushed)));
        });
    }

    /**
     * Publishes a durable change. The files of retired layers are deleted in the background once no read holds them
     * ({@link #retiredFilesDeleted()}); the returned Mono ends when a flushed in-memory layer that no read holds is
     * closed.
     */
    private Mono<Void> publishCommit(IndexPart written, List<PersistentLayer> added,
                                     List<PersistentLayerDesc> removed, Map<LayerName, Path> removedPaths,
                                     InMemoryLayer flushed) {
        index = written;
        Map<LayerName, ReadableLayer> removedLayers = new HashMap<>();
        tl.publish(s -> {
            BatchedUpdates u = s.map().batchUpdate();
            removed.forEach(u::removeHistoric);
            added.forEach(l -> u.insertHistoric(l.desc()));
            LayerMap map = u.flush();
            Map<LayerName, ReadableLayer> persistent = new HashMap<>(s.persistent());
            for (PersistentLayerDesc r : removed) {
                ReadableLayer gone = persistent.remove(r.name());
                if (gone != null) {
                    removedLayers.put(r.name(), gone);
                }
            }
            added.forEach(l -> persistent.put(l.desc().name(), l));
            Map<Long, ReadableLayer> inMemory = s.inMemory();
            if (flushed != null) {
                map = map.withoutOldestFrozenLayer(flushed.id());
                inMemory = without(inMemory, List.of(flushed.id()));
            }
            return new LayerSnapshot(map, persistent, inMemory);
        });
        if (written.diskConsistentLsn().isAfter(diskConsistentLsn)) {
            diskConsistentLsn = written.diskConsistentLsn();
            diskConsistentWatch.changed();
        }
        // Each deletion starts (side by side) once no read holds its layer, and is not waited for: a change is done
        // once durable and published, as Neon deletes a layer file when its last reference drops. An unlink of a large
        // file is slow where the file system discards freed blocks (ext4 -o discard: 0.14-0.18 s per 128 MiB layer
        // here); one after the other inside the swap, they took 2.6 s of a 4.3 s gc-compaction of 17 layers.
        for (Map.Entry<LayerName, ReadableLayer> e : removedLayers.entrySet()) {
            PersistentLayer l = (PersistentLayer) e.getValue();
            Path p = removedPaths.get(e.getKey());
            tl.readers().retire(e.getKey().toString(), () -> l.close().onErrorResume(x -> Mono.empty())
                    .then(res.engine().deleteIfExists(p)));
        }
        // the flushed in-memory layer's ephemeral file is small and counts against the memory budget: waited for
        return flushed != null ? tl.readers().retire(flushed.describe(), flushed::close) : Mono.empty();
    }

    /**
     * Compaction's and GC's entry: replaces historic layers durably (see {@link #commit}). {@code added} must be
     * files this timeline's {@link #writeContext()} wrote (this generation); their summaries are checked.
     */
    Mono<Void> replaceHistoricLayers(List<? extends WrittenLayer<?>> added, List<PersistentLayerDesc> removed,
                                     ShardIndex shard, IndexPart.GcCompactionState gcState) {
        return Mono.defer(() -> {
            for (WrittenLayer<?> w : added) {
                if (!w.path().equals(pathOf(w.name()))) {
                    return Mono.error(new IllegalArgumentException(name() + ": layer file " + w.path()
                            + " is not this timeline's file of this generation (" + pathOf(w.name()) + ")"));
                }
            }
            List<PersistentLayer> opened = new ArrayList<>();
            return Flux.fromIterable(added).concatMap(this::openWritten).doOnNext(opened::add).collectList()
                    .flatMap(layers -> commit(layers, shard, removed, null, null, null, gcState))
                    .onErrorResume(e -> closeUnpublished(opened).then(Mono.error(e)));
        });
    }

    /** Closes layers opened for a change that failed, unless the change got as far as publishing them. */
    private Mono<Void> closeUnpublished(List<PersistentLayer> opened) {
        return Flux.fromIterable(opened)
                .filter(l -> tl.layers().persistent().get(l.desc().name()) != l)
                .concatMap(l -> l.close().onErrorResume(x -> Mono.empty()))
                .then();
    }

    /**
     * Writes the index with the gc-compaction state (Neon's {@code update_gc_compaction_state}), under the index
     * lock so it never races a layer change.
     */
    Mono<Void> updateGcCompactionState(IndexPart.GcCompactionState state) {
        return indexLock.submit(() -> {
            IndexPart written = index.withGcCompaction(Optional.of(state));
            return DurableFiles.writeAtomically(res.engine(), res.writePool(), dir.resolve(IndexPart.FILE_NAME),
                    written.toJson()).then(Mono.fromRunnable(() -> index = written));
        });
    }

    // ------------------------------------------------------------------------------------------------ GC

    Watch<Integer> l0Watch() {
        return l0Watch;
    }

    Lsn appliedGcCutoff() {
        return appliedGcCutoff;
    }

    Lsn gcRemovedHistoryBelow() {
        return gcRemovedHistoryBelow;
    }

    Instant gcBlockedUntil() {
        return gcBlockedUntil;
    }

    /**
     * Neon's {@code Timeline::gc} + {@code gc_timeline} with the given GC info: the new cutoff is the smaller of the
     * space cutoff (capped at the disk-consistent LSN) and the time cutoff; when it is above the applied cutoff, it
     * becomes the applied cutoff (new reads below it are refused from now on), GC waits for the reads that began
     * before, then removes the layers {@link LegacyGc} allows, writing the index with the new cutoff and without
     * them in one atomic update. Files are deleted once no read holds them.
     */
    Mono<GcResult> gc(GcInfo info) {
        return gcLock.submit(() -> {
            Throwable refused = refusal();
            if (refused != null) {
                return Mono.error(refused);
            }
            long started = System.nanoTime();
            Lsn spaceCutoff = min(info.cutoffs().space(), diskConsistentLsn);
            Lsn latest = appliedGcCutoff;
            if (info.cutoffs().time().isEmpty()) {
                log.info("{}: nothing to GC: the time cutoff is not computed yet", name());
                return Mono.just(nothingToGc(latest, started));
            }
            Lsn timeCutoff = info.cutoffs().time().get();
            Lsn newCutoff = min(spaceCutoff, timeCutoff);
            if (!newCutoff.isAfter(latest)) {
                log.debug("{}: nothing to GC: new cutoff {}, applied cutoff {}", name(), newCutoff, latest);
                return Mono.just(nothingToGc(latest, started));
            }
            appliedGcCutoff = newCutoff;
            return tl.readsBegunBefore(name() + ": GC to " + newCutoff)
                    .then(Mono.defer(() -> {
                        GcResult chosen = LegacyGc.select(tl.layers().map(), spaceCutoff, timeCutoff,
                                info.maxRetainLsn(), info.maxLeasedLsn(), newCutoff);
                        if (!chosen.removed().isEmpty() && newCutoff.isAfter(gcRemovedHistoryBelow)) {
                            // before the removal, so a gc-compaction selecting meanwhile already sees it
                            gcRemovedHistoryBelow = newCutoff;
                        }
                        return commit(List.of(), ShardIndex.UNSHARDED, chosen.removed(), null, null, newCutoff, null)
                                .then(Mono.fromSupplier(() -> {
                                    GcResult done = new GcResult(chosen.layersTotal(), chosen.layersNeededByCutoff(),
                                            chosen.layersNeededByPitr(), chosen.layersNeededByBranches(),
                                            chosen.layersNeededByLeases(), chosen.layersNotUpdated(),
                                            chosen.removed(), newCutoff, Duration.ofNanos(System.nanoTime() - started));
                                    log.info("{}: GC removed {} of {} layers, cutoff {}: {}", name(),
                                            done.layersRemoved(), done.layersTotal(), newCutoff, done.toJson());
                                    return done;
                                }));
                    }));
        });
    }

    private GcResult nothingToGc(Lsn cutoff, long started) {
        return new GcResult(0, 0, 0, 0, 0, 0, List.of(), cutoff, Duration.ofNanos(System.nanoTime() - started));
    }

    private static Lsn min(Lsn a, Lsn b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    // ------------------------------------------------------------------------------------------------ test kit

    /** The test kit's forced layers: adds written files and moves the disk-consistent LSN up to {@code dcl}. */
    Mono<Void> forceAddHistoric(List<? extends WrittenLayer<?>> added, Lsn dcl) {
        return Flux.fromIterable(added).concatMap(this::openWritten).collectList()
                .flatMap(layers -> commit(layers, ShardIndex.UNSHARDED, List.of(), dcl, null, null, null))
                .then(writeLock.submit(() -> Mono.fromRunnable(() -> {
                    if (diskConsistentLsn.isAfter(lastRecordLsn)) {
                        lastRecordLsn = diskConsistentLsn;
                        lastRecordWatch.changed();
                    }
                    if (open == null && frozen.isEmpty() && !nextOpenLayerAt.isAfter(diskConsistentLsn)) {
                        nextOpenLayerAt = diskConsistentLsn.add(1);
                        lastFreezeAt = diskConsistentLsn;
                    }
                })));
    }

    /**
     * The test kit's in-memory layer over {@code [start, end)} ({@code end} = {@link Lsn#MAX}: the open layer) with
     * {@code entries}: added above the existing in-memory layers, frozen ones queued for flushing (flushed by the
     * next roll or {@code freezeAndFlush}, not at once).
     */
    Mono<Void> forceAddInMemory(Lsn start, Lsn end, List<LayerEntry> entries) {
        return writeLock.submit(() -> {
            if (open != null) {
                return Mono.error(new IllegalStateException(name() + ": an open in-memory layer exists already: "
                        + open.describe()));
            }
            List<LayerEntry> sorted = new ArrayList<>(entries);
            sorted.sort((a, b) -> {
                int c = a.lsn().compareTo(b.lsn());
                return c != 0 ? c : a.key().compareTo(b.key());
            });
            nextOpenLayerAt = start;
            return openLayer().flatMap(l -> l.putBatch(sorted).then(Mono.fromRunnable(() -> {
                openSize = l.size();
                Lsn max = sorted.isEmpty() ? start : sorted.get(sorted.size() - 1).lsn();
                openMaxLsn = max;
                if (max.isAfter(lastRecordLsn)) {
                    lastRecordLsn = max;
                    lastRecordWatch.changed();
                }
                if (!end.equals(Lsn.MAX)) {
                    freezeOpen(new Lsn(end.value() - 1));
                }
            })));
        });
    }

    /**
     * The test kit's {@code applied_gc_cutoff_lsn.store}: sets the applied cutoff in memory only (not in the index),
     * as Neon's unit tests do, without running GC.
     */
    void forceAppliedGcCutoff(Lsn lsn) {
        appliedGcCutoff = lsn;
    }

    /** The test kit's {@code force_advance_lsn}. */
    Mono<Void> forceAdvanceLsn(Lsn lsn) {
        return writeLock.submit(() -> Mono.fromRunnable(() -> {
            if (lsn.isAfter(lastRecordLsn)) {
                lastRecordLsn = lsn;
                lastRecordWatch.changed();
            }
        }));
    }

    // ------------------------------------------------------------------------------------------------ shutdown

    /**
     * Stops the timeline. With {@code flush}, first freezes and flushes everything ingested (the disk-consistent LSN
     * reaches the last record LSN). Then: ingest is refused, backpressure waits end, the running flush (if any)
     * finishes, unflushed in-memory layers are dropped (their ephemeral files removed: that data is not durable and
     * must be re-sent), and layer files are closed. Idempotent.
     */
    Mono<Void> shutdown(boolean flush) {
        return Mono.defer(() -> {
            if (!closing.compareAndSet(false, true)) {
                return closed.asMono();
            }
            Mono<Void> first = flush && broken == null
                    ? freezeAndFlush().then().onErrorResume(e -> {
                        log.warn("{}: flush at shutdown failed: {}", name(), e.toString());
                        return Mono.empty();
                    })
                    : Mono.empty();
            return first.then(Mono.defer(() -> {
                stopping = true;
                IllegalStateException cause = new IllegalStateException(name() + " is shut down");
                l0Watch.close(cause); // ends stalls and delays
                return flushIdle.waitFor(idle -> idle).then()
                        .then(Mono.defer(() -> {
                            failPendingFlushes(cause);
                            // after the batch in progress (its waits just ended)
                            return writeLock.submit(() -> closeLayers(cause));
                        }))
                        .doFinally(s -> closed.tryEmitEmpty());
            }));
        });
    }

    private Mono<Void> closeLayers(Throwable cause) {
        lastRecordWatch.close(cause);
        diskConsistentWatch.close(cause);
        List<Mono<Void>> closes = new ArrayList<>();
        if (open != null) {
            closes.add(open.close());
            open = null;
        }
        for (Frozen f; (f = frozen.pollFirst()) != null; ) {
            closes.add(f.layer().close());
        }
        LayerSnapshot s = tl.layers();
        for (ReadableLayer l : s.persistent().values()) {
            if (l instanceof PersistentLayer p) {
                closes.add(p.close());
            }
        }
        return Flux.concat(closes).onErrorContinue((e, o) -> log.warn("{}: close failed: {}", name(), e.toString()))
                .then(tl.readers().drainAll())
                .then(tl.readers().awaitRetired()); // cleanups a read's end started, still running
    }

    /** A key's place in messages. */
    static String describe(Key key, Lsn lsn) {
        return "key " + key + " at " + lsn;
    }
}
