package io.strata.engine.timeline;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.read.GetVectored;
import io.strata.engine.read.KeySpaceQuery;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.MissingKeyException;
import io.strata.engine.read.Page;
import io.strata.engine.read.ReadMetrics;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.read.ReadTimeline;
import io.strata.engine.walredo.WalRedoManager;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A timeline: its layers, published as whole {@link LayerSnapshot}s, the page reads over them, and (for a timeline
 * of a {@link io.strata.engine.tenant.StrataEngine}) its storage: ingest into in-memory layers, background flushes to
 * L0 delta layer files, and the durable index {@code index_part.json}.
 *
 * <p><b>Reads</b> are lazy, honour backpressure and cancellation, and each uses the snapshot current when it
 * subscribed (per batch of keys). A layer that leaves the snapshot (a flushed in-memory layer, a layer compaction
 * replaced) stays readable until every read that may hold it has ended.
 *
 * <p><b>Writes</b> ({@link #ingest}, {@link #freezeAndFlush}, {@link #replaceHistoricLayers}) need a stored timeline;
 * on a timeline built from a snapshot with the public constructor (read-path tests and tools) they fail with
 * {@link IllegalStateException}. Thread-safe.
 */
public final class Timeline implements ReadTimeline {
    private static final Logger log = LoggerFactory.getLogger(Timeline.class);
    private static final Duration READS_WAIT_LOG_PERIOD = Duration.ofSeconds(30);
    private final TimelineId id;
    private final Optional<Ancestor> ancestor;
    private final WalRedoManager redo;
    private final ReadOptions readOptions;
    private final AtomicReference<LayerSnapshot> layers;
    private final ReaderEpochs readers = new ReaderEpochs();
    private final AtomicReference<GcInfo> gcInfo = new AtomicReference<>(GcInfo.EMPTY);
    /** Layers hidden from every read point by newer images (Neon's visibility hints; all else is visible). */
    private volatile java.util.Set<io.strata.engine.layer.LayerName> coveredLayers = java.util.Set.of();
    /** What holds the compaction lock (Neon's {@code compaction_lock}), or null. */
    private final AtomicReference<String> compacting = new AtomicReference<>();
    /** Null for a timeline built from a snapshot. */
    private final TimelineStore store;

    /** A read-only timeline over {@code layers} (no storage: write methods fail). */
    public Timeline(TimelineId id, Optional<Ancestor> ancestor, LayerSnapshot layers, WalRedoManager redo,
                    ReadOptions readOptions) {
        this(id, ancestor, layers, redo, readOptions, null);
    }

    Timeline(TimelineId id, Optional<Ancestor> ancestor, LayerSnapshot layers, WalRedoManager redo,
             ReadOptions readOptions, TimelineStore store) {
        this.id = Objects.requireNonNull(id, "id");
        this.ancestor = Objects.requireNonNull(ancestor, "ancestor");
        this.layers = new AtomicReference<>(Objects.requireNonNull(layers, "layers"));
        this.redo = Objects.requireNonNull(redo, "redo");
        this.readOptions = Objects.requireNonNull(readOptions, "readOptions");
        this.store = store;
        if (store != null) {
            store.attach(this);
        }
    }

    public TimelineId id() {
        return id;
    }

    @Override
    public String name() {
        return "timeline " + id;
    }

    @Override
    public Optional<Ancestor> ancestor() {
        return ancestor;
    }

    @Override
    public LayerSnapshot layers() {
        return layers.get();
    }

    /**
     * Publishes {@code update(current)} as the new snapshot, atomically: reads already running keep the snapshot
     * they took. {@code update} may run more than once under contention and must not have side effects.
     *
     * <p>This changes what reads see, not what is stored: on a stored timeline, layer changes that must survive a
     * restart go through {@link #replaceHistoricLayers} (compaction, GC) or the flush.
     */
    public LayerSnapshot updateLayers(UnaryOperator<LayerSnapshot> update) {
        return publish(update);
    }

    LayerSnapshot publish(UnaryOperator<LayerSnapshot> update) {
        LayerSnapshot s = layers.updateAndGet(update);
        if (store != null) {
            store.layersChanged();
        }
        return s;
    }

    ReaderEpochs readers() {
        return readers;
    }

    /**
     * The pages of {@code keys} at {@code lsn}, in key order (Neon's {@code get_vectored} / {@code scan}). Dense keys
     * that do not exist fail the Flux with {@link MissingKeyException}; sparse (metadata) keys that do not exist are
     * left out.
     */
    public Flux<Page> getVectored(KeySpace keys, Lsn lsn) {
        return Flux.defer(() -> getVectored(KeySpaceQuery.uniform(keys, lsn)));
    }

    /** The pages of a query whose keys may be at different LSNs, in key order. */
    public Flux<Page> getVectored(KeySpaceQuery query) {
        return getVectored(query, readOptions);
    }

    /**
     * As {@link #getVectored(KeySpaceQuery)}, also reporting each batch's figures to {@code metrics} (compaction
     * decides from the delta layers a read visited, as Neon's {@code get_delta_layers_visited}).
     */
    public Flux<Page> getVectored(KeySpaceQuery query, ReadMetrics metrics) {
        Objects.requireNonNull(metrics, "metrics");
        ReadMetrics timelines = readOptions.metrics();
        return getVectored(query, readOptions.withMetrics((keys, layers, deltas, ios, nanos) -> {
            timelines.onGet(keys, layers, deltas, ios, nanos);
            metrics.onGet(keys, layers, deltas, ios, nanos);
        }));
    }

    private Flux<Page> getVectored(KeySpaceQuery query, ReadOptions options) {
        return Flux.defer(() -> {
            ReaderEpochs.Epoch[] held = enterReaders();
            GcCutoffException below = belowGcCutoff(query);
            if (below != null) {
                exitReaders(held);
                return Flux.error(below);
            }
            return GetVectored.read(this, query, redo, options).doFinally(s -> exitReaders(held));
        });
    }

    /**
     * Runs {@code body} registered as a read of this timeline and its ancestors: layers of snapshots it takes (of
     * any of them) after subscribing are not closed by a flush, compaction or GC until it ends. For work that reads
     * layer files itself (compaction listing a layer's keys) rather than through {@link #getVectored}.
     */
    public <T> Mono<T> withReadGuard(Supplier<? extends Mono<T>> body) {
        Objects.requireNonNull(body, "body");
        return Mono.defer(() -> {
            ReaderEpochs.Epoch[] held = enterReaders();
            Mono<T> m;
            try {
                m = body.get();
            } catch (RuntimeException e) {
                exitReaders(held);
                return Mono.error(e);
            }
            return m.doFinally(s -> exitReaders(held));
        });
    }

    /** The page of {@code key} at {@code lsn}; a key that does not exist fails with {@link MissingKeyException}. */
    public Mono<byte[]> get(Key key, Lsn lsn) {
        return Mono.defer(() -> {
            ReaderEpochs.Epoch[] held = enterReaders();
            Lsn cutoff = store == null ? Lsn.INVALID : store.appliedGcCutoff();
            if (lsn.isBefore(cutoff)) {
                exitReaders(held);
                return Mono.error(new GcCutoffException(name(), "read of key " + key, lsn, cutoff, "applied"));
            }
            return GetVectored.readOne(this, key, lsn, redo, readOptions).doFinally(s -> exitReaders(held));
        }).switchIfEmpty(Mono.error(() -> new MissingKeyException(KeySpace.single(KeyRange.singleton(key)), lsn,
                name(), List.of())));
    }

    /**
     * The page of {@code key} at {@code lsn} as Neon's {@code Timeline::get} reads it inside the pageserver: without
     * the applied GC cutoff check, for compaction, which reads history that GC keeps (branch points, the base of a
     * compacted LSN range). Empty when the key does not exist there.
     */
    public Mono<byte[]> getForCompaction(Key key, Lsn lsn) {
        return Mono.defer(() -> {
            ReaderEpochs.Epoch[] held = enterReaders();
            return GetVectored.readOne(this, key, lsn, redo, readOptions).doFinally(s -> exitReaders(held));
        }).onErrorResume(MissingKeyException.class, e -> Mono.empty());
    }

    /** The WAL redo this timeline reconstructs pages with (compaction generates images with it). */
    public WalRedoManager walRedo() {
        return redo;
    }

    /**
     * Neon's {@code check_lsn_is_in_scope}, checked after the read registered (so GC, which moves the cutoff first
     * and then waits for registered reads, either sees this read or this read sees the new cutoff).
     */
    private GcCutoffException belowGcCutoff(KeySpaceQuery query) {
        if (store == null || query.isEmpty()) {
            return null;
        }
        Lsn cutoff = store.appliedGcCutoff();
        for (KeySpaceQuery.Part p : query.parts()) {
            if (p.lsn().isBefore(cutoff)) {
                return new GcCutoffException(name(), "read of " + p.keySpace(), p.lsn(), cutoff, "applied");
            }
        }
        return null;
    }

    /**
     * Completes once every read registered with this timeline before the call has ended (GC's wait for reads that
     * may still need what it removes). Logs every 30 s while it waits.
     */
    Mono<Void> readsBegunBefore(String why) {
        Sinks.Empty<Void> drained = Sinks.empty();
        return readers.retire(why, () -> Mono.fromRunnable(drained::tryEmitEmpty))
                .then(drained.asMono().or(Flux.interval(READS_WAIT_LOG_PERIOD)
                        .doOnNext(n -> log.warn("{}: still waiting for reads that began earlier ({})", why, readers))
                        .then()));
    }

    /**
     * Registers a read with this timeline and every ancestor, before it takes its first snapshot and until it ends:
     * no layer the read may visit is closed under it.
     */
    private ReaderEpochs.Epoch[] enterReaders() {
        if (ancestor.isEmpty()) {
            return new ReaderEpochs.Epoch[] {readers.enter()};
        }
        List<ReaderEpochs> chain = new ArrayList<>();
        chain.add(readers);
        for (Optional<Ancestor> a = ancestor; a.isPresent(); ) {
            if (a.get().timeline() instanceof Timeline t) {
                chain.add(t.readers);
                a = t.ancestor;
            } else {
                a = a.get().timeline().ancestor();
            }
        }
        ReaderEpochs.Epoch[] held = new ReaderEpochs.Epoch[chain.size()];
        for (int i = 0; i < held.length; i++) {
            held[i] = chain.get(i).enter();
        }
        return held;
    }

    private void exitReaders(ReaderEpochs.Epoch[] held) {
        ReaderEpochs self = readers;
        self.exit(held[0]);
        if (held.length > 1) {
            int i = 1;
            for (Optional<Ancestor> a = ancestor; a.isPresent() && i < held.length; ) {
                if (a.get().timeline() instanceof Timeline t) {
                    t.readers.exit(held[i++]);
                    a = t.ancestor;
                } else {
                    a = a.get().timeline().ancestor();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ storage

    private TimelineStore store() {
        if (store == null) {
            throw new IllegalStateException(name() + " has no storage: it was built from a layer snapshot and is "
                    + "read-only");
        }
        return store;
    }

    /** Whether this timeline has storage (ingest, flush, index), as every timeline of an engine has. */
    public boolean isStored() {
        return store != null;
    }

    /**
     * Writes the batches, in order, into the open in-memory layer (Neon's {@code put_batch} + {@code finish_write}).
     * Within a batch LSNs must not decrease; each batch must start above the previous batch's last LSN (the last
     * record LSN); an out-of-order record fails the Mono with {@link IngestOrderException} naming both LSNs, before
     * anything of its batch is written. After each batch the last record LSN is the batch's last LSN.
     *
     * <p>The next batch is requested only once the previous one is written, and, when the L0 layer count reached the
     * delay or stall threshold ({@link TimelineConfig}) at a roll, once that roll's flush is done: backpressure is
     * Reactor demand, no thread waits. Frozen layers are flushed in the background. Cancelling stops requesting
     * batches (the batch being written completes). A batch's list must not change until the batch is written.
     *
     * <p>What is acknowledged here is in memory (an ephemeral file), not durable: durable is what is at or below
     * {@link #diskConsistentLsn()}. After a crash, re-send from just above it.
     */
    public Mono<Void> ingest(Flux<List<IngestRecord>> batches) {
        return Mono.defer(() -> store().ingest(batches));
    }

    /** The LSN of the last record ingested (Neon's {@code last_record_lsn}); the disk-consistent LSN after a restart. */
    public Lsn lastRecordLsn() {
        return store().lastRecordLsn();
    }

    /**
     * Every record at or below this LSN is in layer files named by the durable index (Neon's
     * {@code disk_consistent_lsn}): it survives a crash. Advanced only after the layer file and the index are
     * durable.
     */
    public Lsn diskConsistentLsn() {
        return store().diskConsistentLsn();
    }

    /** Completes once the last record LSN is at least {@code lsn} (Neon's {@code wait_lsn}); fails on shutdown. */
    public Mono<Void> waitForLsn(Lsn lsn) {
        Objects.requireNonNull(lsn, "lsn");
        return Mono.defer(() -> store().lastRecordWatch.waitFor(l -> l.compareTo(lsn) >= 0).then());
    }

    /** Completes once the disk-consistent LSN is at least {@code lsn}: everything up to it is durable. */
    public Mono<Void> waitForDiskConsistentLsn(Lsn lsn) {
        Objects.requireNonNull(lsn, "lsn");
        return Mono.defer(() -> store().diskConsistentWatch.waitFor(l -> l.compareTo(lsn) >= 0).then());
    }

    /** The disk-consistent LSN now, then each time it advances; ends with an error on shutdown. */
    public Flux<Lsn> diskConsistentLsns() {
        return Flux.defer(() -> store().diskConsistentWatch.values());
    }

    /**
     * Completes when the files of every layer that compaction or GC retired so far are deleted, after the reads that
     * still hold them end: a change completes once it is durable and published, its inputs' unlinks run after it (as
     * Neon deletes a layer file when its last reference drops). Shutdown waits for them too.
     */
    public Mono<Void> retiredFilesDeleted() {
        return Mono.defer(() -> store().retiredFilesDeleted());
    }

    /**
     * Freezes the open in-memory layer at the last record LSN and waits until every frozen layer is flushed
     * (Neon's {@code freeze_and_flush}); emits the disk-consistent LSN reached: the last record LSN when the open
     * layer held anything. While a stall is in force (see {@link TimelineConfig}) it waits for compaction.
     */
    public Mono<Lsn> freezeAndFlush() {
        return Mono.defer(() -> store().freezeAndFlush());
    }

    /**
     * Replaces historic layers durably, for compaction and GC: writes the index with {@code added} and without
     * {@code removed}, then publishes the new snapshot; removed files are deleted in the background once no read
     * holds them (see {@link #retiredFilesDeleted()}). The added files must have been written with
     * {@link #writeContext()} (this timeline, this generation).
     */
    public Mono<Void> replaceHistoricLayers(List<? extends WrittenLayer<?>> added, List<PersistentLayerDesc> removed) {
        return replaceHistoricLayers(added, removed, io.strata.engine.key.ShardIndex.UNSHARDED);
    }

    /**
     * As {@link #replaceHistoricLayers(List, List)}, recording {@code shard} as the shard that wrote the added
     * layers ({@code shard} in the index; Strata timelines do not know their shard, so shard-aware writers say it).
     * An added layer may have the name of a removed one of an older generation (a rewrite after a shard split).
     */
    public Mono<Void> replaceHistoricLayers(List<? extends WrittenLayer<?>> added, List<PersistentLayerDesc> removed,
                                            io.strata.engine.key.ShardIndex shard) {
        return Mono.defer(() -> store().replaceHistoricLayers(List.copyOf(added), List.copyOf(removed), shard, null));
    }

    /**
     * As {@link #replaceHistoricLayers(List, List)}, writing {@code gcState} (Neon's {@code gc_compaction} of the
     * index: the L2 LSN) in the same index write: a full gc-compaction and the L2 LSN it reached become durable
     * together, with one index write instead of two.
     */
    public Mono<Void> replaceHistoricLayers(List<? extends WrittenLayer<?>> added, List<PersistentLayerDesc> removed,
                                            IndexPart.GcCompactionState gcState) {
        java.util.Objects.requireNonNull(gcState, "gcState");
        return Mono.defer(() -> store().replaceHistoricLayers(List.copyOf(added), List.copyOf(removed),
                io.strata.engine.key.ShardIndex.UNSHARDED, gcState));
    }

    /** Where and as whom this timeline's layer files are written (directory, ids, current generation). */
    public LayerWriteContext writeContext() {
        return store().writeContext();
    }

    /** The timeline directory {@code tenants/<tenant>/timelines/<timeline>}. */
    public Path directory() {
        return store().directory();
    }

    /** The durable index as last written. */
    public IndexPart indexPart() {
        return store().index();
    }

    /**
     * The applied GC cutoff (Neon's {@code applied_gc_cutoff_lsn}): reads, branches and new leases below it fail with
     * {@link GcCutoffException}. It only moves forward, and is in the index before any layer GC removes leaves it.
     */
    public Lsn appliedGcCutoffLsn() {
        return store().appliedGcCutoff();
    }

    /**
     * Below this LSN legacy GC has removed layers, so a key's history there may lack its base (the highest cutoff
     * of a GC run that removed layers; after a restart, the applied cutoff). gc-compaction skips horizons below it.
     */
    public Lsn gcRemovedHistoryBelow() {
        return store().gcRemovedHistoryBelow();
    }

    /** Neon's {@code get_gc_compaction_state}: the L2 LSN of the last completed gc-compaction, if any. */
    public Optional<IndexPart.GcCompactionState> gcCompactionState() {
        return store().index().gcCompaction();
    }

    /** Neon's {@code update_gc_compaction_state}: records the L2 LSN durably in the index. */
    public Mono<Void> updateGcCompactionState(IndexPart.GcCompactionState state) {
        Objects.requireNonNull(state, "state");
        return Mono.defer(() -> store().updateGcCompactionState(state));
    }

    /** What GC must keep, as of the last refresh ({@link io.strata.engine.tenant.Tenant#gcIteration}). */
    public GcInfo gcInfo() {
        return gcInfo.get();
    }

    /** Changes the GC info atomically ({@code update} may run more than once; no side effects). */
    public GcInfo updateGcInfo(UnaryOperator<GcInfo> update) {
        return gcInfo.updateAndGet(update);
    }

    /**
     * Runs {@code task} holding the timeline's compaction lock: one compaction (L0, image, gc-compaction) at a time.
     * A second one fails at once with {@link IllegalStateException} naming the one running; the scheduler never
     * starts two. Cancelling the returned Mono cancels the task and releases the lock.
     */
    public <T> Mono<T> withCompactionLock(String what, java.util.function.Supplier<Mono<T>> task) {
        return Mono.defer(() -> {
            String token = new String(what); // identity: only this run releases what it took
            if (!compacting.compareAndSet(null, token)) {
                return Mono.error(new IllegalStateException(name() + ": cannot start " + what + " while "
                        + compacting.get() + " runs"));
            }
            // released before the result travels on (doOnSuccess/doOnError run first), so whoever hears of the
            // end may start the next compaction at once
            Runnable release = () -> compacting.compareAndSet(token, null);
            return Mono.defer(task).doOnSuccess(v -> release.run()).doOnError(e -> release.run())
                    .doOnCancel(release);
        });
    }

    /**
     * Neon's {@code update_layer_visibility}: recomputes which historic layers reads at the read points (the
     * children's branch points and the last record LSN) can reach; the others are {@code COVERED}. Compaction calls
     * it after changing layers. L0 layers stay visible (they are about to be compacted). Returns the covered count.
     */
    public int updateLayerVisibility() {
        List<Lsn> readPoints = new ArrayList<>();
        gcInfo.get().retainLsns().forEach(r -> readPoints.add(r.lsn()));
        readPoints.add(isStored() ? lastRecordLsn() : Lsn.MAX);
        io.strata.engine.layermap.Visibility v = layers().map().getVisibility(readPoints);
        java.util.Set<io.strata.engine.layer.LayerName> covered = new java.util.HashSet<>();
        for (var e : v.layers()) {
            if (e.getValue() == io.strata.engine.layermap.LayerVisibilityHint.COVERED && !e.getKey().isL0()) {
                covered.add(e.getKey().name());
            }
        }
        coveredLayers = java.util.Set.copyOf(covered);
        return covered.size();
    }

    /** The visibility hint of a layer, as of the last {@link #updateLayerVisibility()}. */
    public io.strata.engine.layermap.LayerVisibilityHint layerVisibility(io.strata.engine.layer.LayerName layer) {
        return coveredLayers.contains(layer) ? io.strata.engine.layermap.LayerVisibilityHint.COVERED
                : io.strata.engine.layermap.LayerVisibilityHint.VISIBLE;
    }

    /** The number of L0 delta layers now, then after every change of the layers (repeats possible). */
    public Flux<Integer> level0Counts() {
        return Flux.defer(() -> store().l0Watch().values());
    }

    /** When LSNs arrived, for the PITR cutoff. */
    public LsnTimeHistory lsnTimes() {
        return store().lsnTimes;
    }

    /**
     * Neon's {@code find_gc_cutoffs}: the space cutoff given, the time cutoff from when LSNs arrived ({@code pitr}
     * back from {@code now}, or {@link GcConfig#DEFAULT_PITR_INTERVAL} when {@code pitr} is zero) and Neon's rules
     * for combining them: without a PITR interval the time cutoff is the last record LSN and the space cutoff is
     * raised to the default-interval LSN; with one, a known time cutoff is authoritative for both, an unknown one
     * keeps everything above the applied cutoff.
     */
    public GcCutoffs findGcCutoffs(Instant now, Lsn spaceCutoff, Duration pitr) {
        Duration range = pitr.isZero() ? GcConfig.DEFAULT_PITR_INTERVAL : pitr;
        Lsn last = lastRecordLsn();
        Optional<Lsn> timeCutoff = store().lsnTimes.timeCutoff(now.minus(range), last);
        if (pitr.isZero()) {
            return timeCutoff.map(t -> new GcCutoffs(t.compareTo(spaceCutoff) >= 0 ? t : spaceCutoff,
                            Optional.of(last)))
                    .orElseGet(() -> new GcCutoffs(spaceCutoff, Optional.of(last)));
        }
        return timeCutoff.map(t -> new GcCutoffs(t, Optional.of(t)))
                .orElseGet(() -> new GcCutoffs(spaceCutoff, Optional.of(appliedGcCutoffLsn())));
    }

    /**
     * Legacy layer GC with the current {@link #gcInfo()} (Neon's {@code Timeline::gc}); refresh the info first, as
     * {@link io.strata.engine.tenant.Tenant#gcIteration} does. One run at a time per timeline.
     */
    public Mono<GcResult> gc() {
        return Mono.defer(() -> store().gc(gcInfo.get()));
    }

    /** Until then (one lease length after the timeline was loaded) GC does not run: clients renew forgotten leases. */
    public Instant gcBlockedUntil() {
        return store().gcBlockedUntil();
    }

    /**
     * Neon's {@code make_lsn_lease}: promises that GC keeps what reads at {@code lsn} need for {@code length}. An
     * existing lease at {@code lsn} is extended (never shortened); a new one is refused below the applied cutoff,
     * and below the planned cutoff when {@code init} (a first request) or once the post-load grace period is over.
     */
    public LsnLease leaseLsn(Lsn lsn, Duration length, boolean init) {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(length, "length");
        Instant now = Instant.now();
        Instant validUntil = now.plus(length);
        LsnLease[] granted = new LsnLease[1];
        gcInfo.updateAndGet(info -> {
            LsnLease existing = info.leases().get(lsn);
            if (existing != null) {
                granted[0] = validUntil.isAfter(existing.validUntil()) ? new LsnLease(lsn, validUntil) : existing;
                return info.withLease(granted[0]);
            }
            Lsn applied = appliedGcCutoffLsn();
            if (lsn.isBefore(applied)) {
                throw new GcCutoffException(name(), "lease", lsn, applied, "applied");
            }
            boolean validate = !now.isBefore(gcBlockedUntil());
            Lsn planned = info.minCutoff();
            if ((init || validate) && lsn.isBefore(planned)) {
                throw new GcCutoffException(name(), "new lease", lsn, planned, "planned");
            }
            granted[0] = new LsnLease(lsn, validUntil);
            return info.withLease(granted[0]);
        });
        return granted[0];
    }

    /** The write side's counters. */
    public TimelineStats.Snapshot stats() {
        return store().stats();
    }

    /** The settings this timeline runs with. */
    public TimelineConfig config() {
        return store().resources().config();
    }

    /**
     * Stops the timeline (see {@link io.strata.engine.tenant.StrataEngine#shutdown}): with {@code flush} everything
     * ingested is flushed first; without, what is above the disk-consistent LSN is dropped. Reads fail afterwards.
     */
    public Mono<Void> shutdown(boolean flush) {
        return store == null ? Mono.empty() : store.shutdown(flush);
    }

    TimelineStore storeOrNull() {
        return store;
    }

    @Override
    public String toString() {
        return "Timeline{" + id + "}";
    }
}
