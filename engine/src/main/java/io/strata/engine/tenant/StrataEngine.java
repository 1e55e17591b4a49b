package io.strata.engine.tenant;

import io.strata.engine.key.TenantId;
import io.strata.engine.layer.LayerIteration;
import io.strata.engine.timeline.BlockingFs;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngines;
import java.nio.file.Files;
import io.strata.engine.compaction.CompactionAlgorithm;
import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.compaction.tiered.TieredCompaction;
import io.strata.engine.compaction.CompactionScheduler;
import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.gc.GcCompactionQueue;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.compaction.legacy.LegacyCompaction;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.compaction.legacy.Level0Compaction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Strata's storage engine over one data directory: tenants, each with timelines, each with layer files and a
 * durable index.
 *
 * <pre>
 * &lt;dataDir&gt;/tenants/&lt;tenant&gt;/tenant.json                       {"generation": N}
 * &lt;dataDir&gt;/tenants/&lt;tenant&gt;/timelines/&lt;timeline&gt;/index_part.json
 * &lt;dataDir&gt;/tenants/&lt;tenant&gt;/timelines/&lt;timeline&gt;/&lt;layer name&gt;-v1-&lt;gen&gt;   image and delta layer files
 * &lt;dataDir&gt;/tenants/&lt;tenant&gt;/timelines/&lt;timeline&gt;/ephemeral-&lt;n&gt;            in-memory layers (not durable)
 * </pre>
 *
 * <p>{@link #open} loads every tenant and timeline (removing what a crash left behind) and serves reads as soon as
 * it completes. Everything is a lazy {@code Mono}; nothing blocks a Reactor or io_uring thread (directory listings
 * and creations run on {@code boundedElastic}, see {@link BlockingFs}). One engine per data directory at a time.
 */
public final class StrataEngine {
    private static final Logger log = LoggerFactory.getLogger(StrataEngine.class);
    static final String TENANTS_DIR = "tenants";

    private final Path dataDir;
    private final EngineConfig config;
    private final SharedResources shared;
    private final ConcurrentHashMap<TenantId, Tenant> tenants = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TenantId, Boolean> creating = new ConcurrentHashMap<>();
    private final AtomicBoolean shutdown = new AtomicBoolean();
    private final Sinks.One<Void> stopped = Sinks.one();
    private final boolean ownsIoEngine;
    /** Each timeline's gc-compaction queue (Neon keeps one per timeline), run by the background pass. */
    private final java.util.Map<Timeline, GcCompactionQueue> gcQueues;
    /** Background compaction, or null when disabled. */
    private final CompactionScheduler compaction;

    private StrataEngine(Path dataDir, EngineConfig config, SharedResources shared, boolean ownsIoEngine,
                         CompactionScheduler compaction, java.util.Map<Timeline, GcCompactionQueue> gcQueues) {
        this.dataDir = dataDir;
        this.gcQueues = gcQueues;
        this.compaction = compaction;
        this.config = config;
        this.shared = shared;
        this.ownsIoEngine = ownsIoEngine;
    }

    /**
     * Opens (creating if needed) the engine over {@code dataDir}: starts the io engine, then loads every tenant
     * (each with the next generation) and its timelines. A tenant or timeline directory whose creation a crash
     * interrupted is removed.
     */
    public static Mono<StrataEngine> open(Path dataDir, EngineConfig config) {
        return open(dataDir, config, null);
    }

    /**
     * Backs the pools that carry large transfers with transparent huge pages where the io engine can (see
     * {@link IoEngine#adviseHugePages}); on the opening thread, which may block. Null pools are skipped.
     */
    private static void adviseHugePages(IoEngine engine, AlignedBufferPool... pools) {
        long candidates = 0;
        long advised = 0;
        for (AlignedBufferPool p : pools) {
            if (p != null) {
                candidates += p.hugePageRegions().stream().mapToLong(r -> r.length()).sum();
                advised += engine.adviseHugePages(p).block();
            }
        }
        log.info("transparent huge pages for {} MiB of {} MiB of I/O buffers", advised >> 20, candidates >> 20);
    }

    /**
     * As {@link #open(Path, EngineConfig)}, on an io engine the caller owns (shared with other components, or
     * wrapped for metrics or fault injection): it is not closed at shutdown, and {@code config.io()} only gives the
     * alignment (raised to what the data directory needs).
     */
    public static Mono<StrataEngine> open(Path dataDir, EngineConfig config, IoEngine ioEngine) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(config, "config");
        return Mono.fromCallable(() -> {
            Path dir = dataDir.toAbsolutePath();
            Files.createDirectories(dir.resolve(TENANTS_DIR));
            IoConfig io = config.io().alignedFor(dir);
            IoEngine engine = ioEngine != null ? ioEngine : IoEngines.create(io);
            int a = io.alignment();
            AlignedBufferPool writePool = new AlignedBufferPool(Math.max(config.writeBufferSize(), a),
                    config.writeBuffers(), a);
            AlignedBufferPool readPool = new AlignedBufferPool(Math.max(config.readBufferSize(), a),
                    config.readBuffers(), a);
            BlockCache cache = new BlockCache(config.blockCacheBlocks(),
                    new AlignedBufferPool(BlockCache.BLOCK_SIZE, config.blockCacheBlocks() + 64, a));
            CompactionConfig cc = config.compaction();
            java.util.Map<Timeline, GcCompactionQueue> gcQueues = java.util.Collections.synchronizedMap(
                    new java.util.WeakHashMap<>());
            CompactionScheduler scheduler = null;
            // the scheduler asks the engine (built below) for each timeline's tenant setting
            java.util.concurrent.atomic.AtomicReference<StrataEngine> self = new java.util.concurrent.atomic.AtomicReference<>();
            AlignedBufferPool compactionPool = null;
            if (cc.enabled()) {
                compactionPool = new AlignedBufferPool(Math.max(cc.bufferSize(), a), cc.buffers(), a);
                scheduler = new CompactionScheduler(schedulerConfig(cc, compactionPool, gcQueues,
                        t -> self.get() == null ? CompactionAlgorithm.LEGACY : self.get().compactionAlgorithmOf(t)));
            }
            CompactionScheduler s = scheduler;
            adviseHugePages(engine, writePool, readPool, compactionPool);
            SharedResources shared = new SharedResources(engine, writePool, readPool,
                    new VectoredBlobReader(readPool), cache, config.maxReadSize(), config.redo(),
                    config.readOptions(), config.timeline(), t -> {
                        if (s != null) {
                            s.register(t);
                        }
                    }, t -> {
                        if (s != null) {
                            s.unregister(t);
                        }
                        gcQueues.remove(t);
                    });
            StrataEngine e = new StrataEngine(dir, config, shared, ioEngine == null, scheduler, gcQueues);
            self.set(e);
            return e;
        }).subscribeOn(Schedulers.boundedElastic())
                .flatMap(e -> e.loadTenants().thenReturn(e)
                        .onErrorResume(err -> e.shutdown(ShutdownMode.HARD).onErrorResume(x -> Mono.empty())
                                .then(Mono.error(err))));
    }

    private Mono<Void> loadTenants() {
        Path tenantsDir = dataDir.resolve(TENANTS_DIR);
        return BlockingFs.list(tenantsDir)
                .flatMapMany(Flux::fromIterable)
                .concatMap(p -> {
                    TenantId id;
                    try {
                        id = TenantId.parse(p.getFileName().toString());
                    } catch (IllegalArgumentException e) {
                        log.warn("leaving unrecognized entry {} alone", p);
                        return Mono.empty();
                    }
                    return BlockingFs.exists(p.resolve(Tenant.GENERATION_FILE)).flatMap(has -> {
                        if (!has) {
                            log.info("removing tenant directory {} without {} (creation interrupted)", p,
                                    Tenant.GENERATION_FILE);
                            return BlockingFs.deleteRecursively(p).then(shared.engine().fsyncDirectory(tenantsDir))
                                    .then(Mono.<Tenant>empty());
                        }
                        return Tenant.load(p, id, shared);
                    });
                })
                .doOnNext(t -> tenants.put(t.id(), t))
                .then();
    }

    /**
     * The gc-compaction queue of {@code t} (Neon's {@code GcCompactionQueue}): schedule manual jobs on it
     * ({@code scheduleManualCompaction}); the scheduler's background pass runs one iteration after each completed
     * legacy pass, which also triggers automatic jobs by Neon's rules.
     */
    public GcCompactionQueue gcCompactionQueue(Timeline t) {
        return gcQueues.computeIfAbsent(t, x -> new GcCompactionQueue());
    }

    /** The background compaction scheduler, if enabled ({@link CompactionConfig#enabled()}). */
    public Optional<CompactionScheduler> compactionScheduler() {
        return Optional.ofNullable(compaction);
    }

    /**
     * The scheduler's jobs: the L0 lane runs L0 compaction with the timeline's settings, the background lane
     * Neon's legacy pass (L0 compaction, then image layer creation) yielding to L0 work. A job's memory estimate is
     * two planned reads (1 MiB each) per L0 layer it may merge.
     */
    private static CompactionScheduler.Config schedulerConfig(CompactionConfig cc, AlignedBufferPool pool,
                                                              java.util.Map<Timeline, GcCompactionQueue> gcQueues,
                                                              java.util.function.Function<Timeline,
                                                                      CompactionAlgorithm> algorithmOf) {
        // image creation keeps state per timeline (partitioning, where the last run stopped)
        java.util.Map<Timeline, ImageLayerCreation> images = java.util.Collections.synchronizedMap(
                new java.util.WeakHashMap<>());
        java.util.function.Function<Timeline, ImageLayerCreation> imagesOf = timeline -> images.computeIfAbsent(
                timeline, x -> new ImageLayerCreation(x, cc.imageCreation()));
        // a tiered tenant's timelines get tiered compaction in both lanes (Neon: compact() dispatches on the
        // tenant's compaction_algorithm)
        java.util.function.Function<Timeline, Mono<CompactionOutcome>> tiered = t ->
                TieredCompaction.compactTiered(t, imagesOf.apply(t), pool).map(TieredCompaction.Result::outcome)
                        .map(o -> o == CompactionOutcome.SKIPPED ? CompactionOutcome.DONE : o);
        return new CompactionScheduler.Config(cc.maxConcurrentJobs(), cc.memoryBudget(),
                t -> t.config().compactionThreshold(),
                t -> algorithmOf.apply(t) == CompactionAlgorithm.TIERED ? tiered.apply(t)
                        : Level0Compaction.compactLevel0(t, Level0Compaction.Options.of(t.config()), pool)
                                .map(Level0Compaction.Result::outcome),
                t -> algorithmOf.apply(t) == CompactionAlgorithm.TIERED ? tiered.apply(t)
                        : LegacyCompaction.compactLegacy(t, Level0Compaction.Options.of(t.config()), pool,
                                timeline -> LegacyCompaction.createImageLayers(imagesOf.apply(timeline),
                                        ImageLayerCreationMode.TRY, true), true)
                        // Neon: once the legacy pass is done, one gc-compaction queue iteration (its automatic
                        // trigger, or jobs scheduled by hand)
                        .flatMap(o -> o != CompactionOutcome.DONE ? Mono.just(o)
                                : gcQueues.computeIfAbsent(t, x -> new GcCompactionQueue())
                                        .iteration(t, cc.gcCompaction(), pool)
                                        .map(q -> q == CompactionOutcome.SKIPPED ? CompactionOutcome.DONE : q)),
                // decoded values held per L0 layer: the hop being merged and the hops in flight
                t -> (Level0Compaction.Options.ITERATOR.hopsInFlight() + 1L) * t.layers().map().level0Deltas().size()
                        * Math.max(LayerIteration.HOP_BYTES, Level0Compaction.Options.ITERATOR.maxReadSize()));
    }

    /** The compaction {@code t} gets: its tenant's setting ({@link Tenant#compactionAlgorithm()}). */
    public CompactionAlgorithm compactionAlgorithmOf(Timeline t) {
        return tenant(t.writeContext().tenantId()).map(Tenant::compactionAlgorithm).orElse(CompactionAlgorithm.LEGACY);
    }

    public Path dataDirectory() {
        return dataDir;
    }

    public EngineConfig config() {
        return config;
    }

    /** The io engine every file goes through. */
    public IoEngine ioEngine() {
        return shared.engine();
    }

    /** Creates an empty tenant (generation 1). Fails if it exists. */
    public Mono<Tenant> createTenant(TenantId id) {
        Objects.requireNonNull(id, "id");
        return Mono.defer(() -> {
            if (shutdown.get()) {
                return Mono.error(new IllegalStateException("the engine is shut down"));
            }
            if (tenants.containsKey(id) || creating.putIfAbsent(id, Boolean.TRUE) != null) {
                return Mono.error(new IllegalStateException("tenant " + id + " exists already"));
            }
            return Tenant.create(dataDir.resolve(TENANTS_DIR), id, shared)
                    .doOnNext(t -> tenants.put(id, t))
                    // before the result reaches the caller (doFinally would run after it: a caller retrying at once
                    // could find the id still being created)
                    .doOnTerminate(() -> creating.remove(id))
                    .doOnCancel(() -> creating.remove(id));
        });
    }

    public Optional<Tenant> tenant(TenantId id) {
        return Optional.ofNullable(tenants.get(id));
    }

    /** The tenant {@code id}, created if it does not exist. */
    public Mono<Tenant> tenantOrCreate(TenantId id) {
        return Mono.defer(() -> {
            Tenant t = tenants.get(id);
            return t != null ? Mono.just(t) : createTenant(id);
        });
    }

    public List<Tenant> tenants() {
        List<Tenant> l = new ArrayList<>(tenants.values());
        l.sort(Comparator.comparing(Tenant::id));
        return l;
    }

    /**
     * Stops every timeline (see {@link ShutdownMode}), then the io engine (unless the caller owns it). Idempotent;
     * later calls complete when the first one does.
     */
    public Mono<Void> shutdown(ShutdownMode mode) {
        Objects.requireNonNull(mode, "mode");
        return Mono.defer(() -> {
            if (!shutdown.compareAndSet(false, true)) {
                return stopped.asMono();
            }
            boolean flush = mode == ShutdownMode.FREEZE_AND_FLUSH;
            if (compaction != null) {
                compaction.close(); // cancels running jobs: each leaves its timeline as it was (or swapped)
            }
            return Flux.fromIterable(tenants.values())
                    .flatMap(t -> t.shutdown(flush).onErrorResume(e -> {
                        log.warn("shutdown of {} failed: {}", t, e.toString());
                        return Mono.empty();
                    }))
                    .then(ownsIoEngine ? Mono.fromRunnable(shared.engine()::close)
                            .subscribeOn(Schedulers.boundedElastic()) : Mono.empty())
                    .then()
                    .doFinally(s -> stopped.tryEmitEmpty());
        });
    }

    /** {@link #shutdown shutdown(FREEZE_AND_FLUSH)}. */
    public Mono<Void> close() {
        return shutdown(ShutdownMode.FREEZE_AND_FLUSH);
    }

    @Override
    public String toString() {
        return "StrataEngine{" + dataDir + ", " + tenants.size() + " tenants}";
    }
}
