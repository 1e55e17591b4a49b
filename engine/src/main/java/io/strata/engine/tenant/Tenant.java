package io.strata.engine.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.key.Lsn;
import io.strata.engine.compaction.CompactionAlgorithm;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerName;
import io.strata.engine.read.ReadTimeline;
import io.strata.engine.timeline.BlockingFs;
import io.strata.engine.timeline.DurableFiles;
import io.strata.engine.timeline.GcConfig;
import io.strata.engine.timeline.GcCutoffException;
import io.strata.engine.timeline.GcCutoffs;
import io.strata.engine.timeline.GcInfo;
import io.strata.engine.timeline.GcResult;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.SerialExecutor;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineLoader;
import io.strata.engine.timeline.TimelineResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A tenant: its timelines, under {@code tenants/<tenant>/timelines/}, and its generation, kept in
 * {@code tenants/<tenant>/tenant.json} ({@code {"generation": N}}) and incremented durably each time the engine
 * opens the tenant (Neon's attach generation): every layer file written in this run carries it as the
 * {@code -v1-<gen>} suffix, so a file written now never has the name of a file an earlier run wrote. Thread-safe.
 */
public final class Tenant {
    private static final Logger log = LoggerFactory.getLogger(Tenant.class);
    static final String GENERATION_FILE = "tenant.json";
    static final String TIMELINES_DIR = "timelines";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final TenantId id;
    private final Path dir;
    private final TimelineResources resources;
    private final ConcurrentHashMap<TimelineId, Timeline> timelines = new ConcurrentHashMap<>();
    /** Timelines being created (their ids taken). */
    private final ConcurrentHashMap<TimelineId, Boolean> creating = new ConcurrentHashMap<>();
    /**
     * Neon's {@code gc_cs}: GC iterations and branch creations run one at a time, so a branch point is checked
     * against cutoffs that GC cannot move until the branch exists and its parent retains the point.
     */
    private final SerialExecutor gcCs = new SerialExecutor();
    /** Told of every timeline added (the compaction scheduler). */
    private final java.util.function.Consumer<Timeline> timelineAdded;
    /** Told of every timeline deleted (the compaction scheduler forgets it). */
    private final java.util.function.Consumer<Timeline> timelineRemoved;
    /** Neon's {@code lsn_lease_deadline}: GC waits until then after a load. */
    private final Instant gcBlockedUntil;
    /** The tenant's compaction algorithm, kept in {@code tenant.json}; changed under {@link #gcCs}'s sibling lock. */
    private volatile CompactionAlgorithm compactionAlgorithm = CompactionAlgorithm.LEGACY;
    private final SerialExecutor configCs = new SerialExecutor();
    /** How long {@link #branchTimeline} waits for the parent to reach the branch point. */
    public static final Duration BRANCH_LSN_WAIT = Duration.ofSeconds(60);

    private Tenant(TenantId id, Path dir, TimelineResources resources, Instant gcBlockedUntil,
                   java.util.function.Consumer<Timeline> timelineAdded,
                   java.util.function.Consumer<Timeline> timelineRemoved) {
        this.id = id;
        this.timelineAdded = timelineAdded;
        this.timelineRemoved = timelineRemoved;
        this.gcBlockedUntil = gcBlockedUntil;
        this.dir = dir;
        this.resources = resources;
    }

    public TenantId id() {
        return id;
    }

    /** This run's generation of the tenant. */
    public Generation generation() {
        return resources.generation();
    }

    /** The compaction its timelines get (Neon's tenant setting {@code compaction_algorithm}). */
    public CompactionAlgorithm compactionAlgorithm() {
        return compactionAlgorithm;
    }

    /**
     * Selects the compaction its timelines get from the next pass on, durably ({@code tenant.json} is rewritten
     * atomically). A pass already running finishes with the algorithm it started with.
     */
    public Mono<Void> setCompactionAlgorithm(CompactionAlgorithm algorithm) {
        Objects.requireNonNull(algorithm, "algorithm");
        return configCs.submit(() -> writeTenantFile(resources.engine(), resources.writePool(), dir, generation(),
                algorithm).doOnSuccess(v -> {
                    compactionAlgorithm = algorithm;
                    log.info("tenant {}: compaction algorithm is now {}", id, algorithm.kind());
                }));
    }

    /** {@code tenants/<tenant>}. */
    public Path directory() {
        return dir;
    }

    /** The directory of timeline {@code timeline} (whether or not it exists). */
    public Path timelineDirectory(TimelineId timeline) {
        return dir.resolve(TIMELINES_DIR).resolve(timeline.toString());
    }

    /** What this tenant's timelines share. */
    public TimelineResources resources() {
        return resources;
    }

    public Optional<Timeline> timeline(TimelineId timeline) {
        return Optional.ofNullable(timelines.get(timeline));
    }

    /** The timelines, by id. */
    public List<Timeline> timelines() {
        List<Timeline> l = new ArrayList<>(timelines.values());
        l.sort(Comparator.comparing(Timeline::id));
        return l;
    }

    /**
     * Creates an empty timeline starting at {@code initdbLsn}: it is durable up to that LSN (its first records must
     * be above it), has no layers and no ancestor (Neon's {@code create_empty_timeline}). Fails if the id exists.
     */
    public Mono<Timeline> createTimeline(TimelineId timeline, Lsn initdbLsn) {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(initdbLsn, "initdbLsn");
        return Mono.defer(() -> {
            if (timelines.containsKey(timeline) || creating.putIfAbsent(timeline, Boolean.TRUE) != null) {
                return Mono.error(new IllegalStateException("tenant " + id + ": timeline " + timeline
                        + " exists already"));
            }
            return TimelineLoader.create(resources, timeline, timelineDirectory(timeline),
                            IndexPart.TimelineMetadata.initial(initdbLsn), Optional.empty())
                    .doOnNext(t -> {
                        timelines.put(timeline, t);
                        timelineAdded.accept(t);
                    })
                    // before the result reaches the caller (doFinally would run after it: a caller retrying at once
                    // could find the id still being created)
                    .doOnTerminate(() -> creating.remove(timeline))
                    .doOnCancel(() -> creating.remove(timeline));
        });
    }

    /**
     * Creates timeline {@code child} branched off {@code parent} at {@code startLsn} (default: the parent's last
     * record LSN), Neon's {@code branch_timeline}: the child has no layers of its own and reads at or below the
     * branch point in the parent; the parent keeps the branch point as a retain LSN, so GC keeps what the child reads
     * there. Refused with {@link GcCutoffException} below the parent's applied or planned GC cutoff (unless a lease
     * is held at exactly that LSN), and with {@link IllegalArgumentException} below the parent's own branch point.
     * A branch point above the parent's last record LSN is waited for (up to {@link #BRANCH_LSN_WAIT}); one above
     * its disk-consistent LSN is flushed first, so the branch point survives a crash.
     */
    public Mono<Timeline> branchTimeline(TimelineId parent, TimelineId child, Optional<Lsn> startLsn) {
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(child, "child");
        Objects.requireNonNull(startLsn, "startLsn");
        return Mono.defer(() -> {
            Timeline src = timelines.get(parent);
            if (src == null) {
                return Mono.error(new IllegalArgumentException("tenant " + id + ": cannot branch off timeline "
                        + parent + ": no such timeline"));
            }
            if (timelines.containsKey(child) || creating.putIfAbsent(child, Boolean.TRUE) != null) {
                return Mono.error(new IllegalStateException("tenant " + id + ": timeline " + child
                        + " exists already"));
            }
            Lsn start = startLsn.orElseGet(src::lastRecordLsn);
            Lsn parentBranchPoint = src.indexPart().metadata().ancestorLsn();
            if (src.ancestor().isPresent() && start.isBefore(parentBranchPoint)) {
                creating.remove(child);
                return Mono.error(new IllegalArgumentException("tenant " + id + ": invalid start LSN " + start
                        + " for branch " + child + " of timeline " + parent + ": less than that timeline's ancestor "
                        + "LSN " + parentBranchPoint));
            }
            Mono<Void> arrived = src.waitForLsn(start).timeout(BRANCH_LSN_WAIT, Mono.error(() ->
                    new IllegalStateException("tenant " + id + ": timed out after " + BRANCH_LSN_WAIT + " waiting "
                            + "for timeline " + parent + " to reach the branch point " + start + " (last record LSN "
                            + src.lastRecordLsn() + ")")));
            Mono<Void> durable = Mono.defer(() -> start.isAfter(src.diskConsistentLsn())
                    ? src.freezeAndFlush().then(src.waitForDiskConsistentLsn(start)) : Mono.empty());
            return arrived.then(durable)
                    .then(gcCs.submit(() -> createBranchLocked(src, child, start)))
                    // before the result reaches the caller (doFinally would run after it: a caller retrying at once
                    // could find the id still being created)
                    .doOnTerminate(() -> creating.remove(child))
                    .doOnCancel(() -> creating.remove(child));
        });
    }

    private Mono<Timeline> createBranchLocked(Timeline src, TimelineId child, Lsn start) {
        if (timelines.get(src.id()) != src) {
            return Mono.error(new IllegalArgumentException("tenant " + id + ": cannot branch off timeline " + src.id()
                    + ": it was deleted"));
        }
        Lsn applied = src.appliedGcCutoffLsn();
        GcInfo info = src.gcInfo();
        Lsn planned = info.minCutoff();
        if (info.lsnCoveredByLease(start)) {
            log.info("tenant {}: branch {} at {}: not checked against GC cutoffs {} / {}: a lease holds the LSN", id,
                    child, start, applied, planned);
        } else if (start.isBefore(applied)) {
            return Mono.error(new GcCutoffException(src.name(), "branch " + child, start, applied, "applied"));
        } else if (start.isBefore(planned)) {
            return Mono.error(new GcCutoffException(src.name(), "branch " + child, start, planned, "planned"));
        }
        IndexPart.TimelineMetadata meta = IndexPart.TimelineMetadata.branch(src.id(), start, applied,
                src.indexPart().metadata().initdbLsn());
        return TimelineLoader.create(resources, child, timelineDirectory(child), meta,
                        Optional.of(new ReadTimeline.Ancestor(src, start)))
                .doOnNext(t -> {
                    timelines.put(child, t);
                    timelineAdded.accept(t);
                    src.updateGcInfo(i -> i.withChild(child, start));
                    log.info("tenant {}: created timeline {} branched off {} at {}", id, child, src.id(), start);
                });
    }

    /**
     * Deletes timeline {@code timeline} (Neon's {@code delete_timeline}): refused with {@link IllegalStateException}
     * while it has branches; otherwise it leaves the tenant at once (new requests do not find it), is shut down
     * without flushing (reads and ingest in flight fail), and its directory is removed, the index first, so that a
     * crash midway leaves a directory without an index, which the next load removes. Its parent stops retaining
     * the branch point. Runs under the GC lock, so no GC iteration or branch creation sees it half-deleted.
     */
    public Mono<Void> deleteTimeline(TimelineId timeline) {
        Objects.requireNonNull(timeline, "timeline");
        return gcCs.submit(() -> {
            Timeline t = timelines.get(timeline);
            if (t == null) {
                return Mono.error(new IllegalArgumentException("tenant " + id + ": cannot delete timeline " + timeline
                        + ": no such timeline"));
            }
            List<TimelineId> children = timelines().stream()
                    .filter(c -> c.ancestor().isPresent() && c.indexPart().metadata().ancestorTimeline()
                            .filter(timeline::equals).isPresent())
                    .map(Timeline::id).toList();
            if (!children.isEmpty() || creating.containsKey(timeline)) {
                return Mono.error(new IllegalStateException("tenant " + id + ": cannot delete timeline " + timeline
                        + ": it has child timelines " + children));
            }
            timelines.remove(timeline);
            timelineRemoved.accept(t);
            t.indexPart().metadata().ancestorTimeline().flatMap(this::timeline).ifPresent(parent -> {
                List<GcInfo.RetainLsn> retain = retainLsnsOf(parent.id(), timelines());
                parent.updateGcInfo(i -> i.withRetainLsns(retain));
            });
            Path dir = timelineDirectory(timeline);
            Path timelinesDir = dir.getParent();
            return t.shutdown(false)
                    .onErrorResume(e -> {
                        log.warn("tenant {}: shutdown of deleted timeline {} failed: {}", id, timeline, e.toString());
                        return Mono.empty();
                    })
                    .then(resources.engine().deleteIfExists(dir.resolve(IndexPart.FILE_NAME)))
                    .then(resources.engine().fsyncDirectory(dir))
                    .then(BlockingFs.deleteRecursively(dir))
                    .then(resources.engine().fsyncDirectory(timelinesDir))
                    .doOnSuccess(v -> log.info("tenant {}: deleted timeline {}", id, timeline));
        });
    }

    /**
     * One GC iteration with the tenant's {@link GcConfig} (Neon's {@code gc_iteration}): refreshes every timeline's
     * GC info, then runs legacy layer GC on {@code target} (or every timeline). Skipped (empty result) within one
     * lease length of the tenant's load, so that clients can renew the leases the restart forgot.
     */
    public Mono<SortedMap<TimelineId, GcResult>> gcIteration(Optional<TimelineId> target) {
        GcConfig c = resources.config().gc();
        return gcIteration(target, c.gcHorizon(), c.pitrInterval());
    }

    /** {@link #gcIteration(Optional)} with an explicit horizon and PITR interval (Neon's manual GC request). */
    public Mono<SortedMap<TimelineId, GcResult>> gcIteration(Optional<TimelineId> target, long horizon,
                                                             Duration pitr) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(pitr, "pitr");
        return gcCs.submit(() -> {
            if (target.isPresent() && !timelines.containsKey(target.get())) {
                return Mono.error(new IllegalArgumentException("tenant " + id + ": GC of timeline " + target.get()
                        + ": no such timeline"));
            }
            Instant now = Instant.now();
            if (now.isBefore(gcBlockedUntil)) {
                log.info("tenant {}: skipping GC until {}: leases held before the restart may still be renewed", id,
                        gcBlockedUntil);
                return Mono.just(new TreeMap<>());
            }
            List<Timeline> targets = refreshGcInfo(target, horizon, pitr, now);
            return Flux.fromIterable(targets)
                    .concatMap(t -> t.gc().map(r -> Map.entry(t.id(), r)))
                    .collect(TreeMap<TimelineId, GcResult>::new, (m, e) -> m.put(e.getKey(), e.getValue()))
                    .map(m -> (SortedMap<TimelineId, GcResult>) m);
        });
    }

    /**
     * Neon's {@code refresh_gc_info_internal}: for each timeline, cutoffs from its last record LSN minus
     * {@code horizon} and from the PITR interval (never going back), branch points of its children as retain LSNs,
     * expired leases dropped. Returns the timelines to collect.
     */
    private List<Timeline> refreshGcInfo(Optional<TimelineId> target, long horizon, Duration pitr, Instant now) {
        List<Timeline> all = timelines();
        Map<TimelineId, GcCutoffs> cutoffs = new HashMap<>();
        for (Timeline t : all) {
            Lsn space = t.lastRecordLsn().saturatingSub(horizon);
            cutoffs.put(t.id(), t.findGcCutoffs(now, space, pitr));
        }
        List<Timeline> targets = new ArrayList<>();
        for (Timeline t : all) {
            List<GcInfo.RetainLsn> retain = retainLsnsOf(t.id(), all);
            Optional<Boolean> withinAncestorPitr = t.indexPart().metadata().ancestorTimeline()
                    .map(cutoffs::get)
                    .map(ac -> ac.time().isPresent()
                            && t.indexPart().metadata().ancestorLsn().compareTo(ac.time().get()) >= 0);
            GcCutoffs found = cutoffs.get(t.id());
            t.updateGcInfo(i -> {
                GcInfo n = i.withoutExpiredLeases(now).withRetainLsns(retain).withCutoffs(found);
                return withinAncestorPitr.map(n::withWithinAncestorPitr).orElse(n);
            });
            if (target.isEmpty() || target.get().equals(t.id())) {
                targets.add(t);
            }
        }
        return targets;
    }

    /** After a load: each timeline retains its children's branch points before any GC runs. */
    private void initRetainLsns() {
        List<Timeline> all = timelines();
        for (Timeline t : all) {
            List<GcInfo.RetainLsn> retain = retainLsnsOf(t.id(), all);
            t.updateGcInfo(i -> i.withRetainLsns(retain));
        }
    }

    /** The branch points of {@code parent}'s children. */
    private static List<GcInfo.RetainLsn> retainLsnsOf(TimelineId parent, List<Timeline> all) {
        List<GcInfo.RetainLsn> l = new ArrayList<>();
        for (Timeline c : all) {
            IndexPart.TimelineMetadata m = c.indexPart().metadata();
            if (m.ancestorTimeline().filter(parent::equals).isPresent()) {
                l.add(new GcInfo.RetainLsn(m.ancestorLsn(), c.id()));
            }
        }
        return l;
    }

    /** Until then GC does not run (one lease length after the tenant was loaded). */
    public Instant gcBlockedUntil() {
        return gcBlockedUntil;
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /** Creates {@code tenants/<id>} with generation 1. */
    static Mono<Tenant> create(Path tenantsDir, TenantId id, SharedResources shared) {
        Path dir = tenantsDir.resolve(id.toString());
        Generation gen = Generation.of(1);
        return BlockingFs.exists(dir.resolve(GENERATION_FILE)).flatMap(exists -> exists
                ? Mono.error(new IllegalStateException("tenant " + id + " exists already in " + dir))
                : BlockingFs.deleteRecursively(dir)
                        .then(BlockingFs.createDirectories(dir.resolve(TIMELINES_DIR)))
                        .then(writeTenantFile(shared.engine(), shared.writePool(), dir, gen,
                                CompactionAlgorithm.LEGACY))
                        .then(shared.engine().fsyncDirectory(tenantsDir))
                        .thenReturn(new Tenant(id, dir, shared.forTenant(id, gen), Instant.EPOCH,
                                shared.timelineAdded(), shared.timelineRemoved())));
    }

    /**
     * Opens {@code dir}: takes the next generation (durably, before anything is written), removes timeline
     * directories that never got their index (creation interrupted), then loads every timeline, ancestors before
     * their branches.
     */
    static Mono<Tenant> load(Path dir, TenantId id, SharedResources shared) {
        Path genFile = dir.resolve(GENERATION_FILE);
        Mono<Void> removeTemp = BlockingFs.list(dir).flatMapMany(Flux::fromIterable)
                .filter(p -> p.getFileName().toString().endsWith(LayerName.TEMP_FILE_SUFFIX))
                .concatMap(p -> shared.engine().deleteIfExists(p))
                .then();
        return removeTemp.then(DurableFiles.readAll(shared.engine(), shared.readPool(), genFile))
                .flatMap(bytes -> {
                    Generation previous = parseGeneration(bytes, genFile);
                    CompactionAlgorithm algorithm = parseCompactionAlgorithm(bytes, genFile);
                    long next = Integer.toUnsignedLong(previous.value()) + 1;
                    if (next > 0xFFFF_FFFEL) {
                        return Mono.error(new IllegalStateException(genFile + ": generation " + previous
                                + " cannot grow further"));
                    }
                    Generation gen = Generation.of((int) next);
                    return writeTenantFile(shared.engine(), shared.writePool(), dir, gen, algorithm).then(
                            Mono.fromSupplier(() -> {
                                Tenant t = new Tenant(id, dir, shared.forTenant(id, gen), Instant.now().plus(
                                        shared.timelineConfig().gc().lsnLeaseLength()), shared.timelineAdded(), shared.timelineRemoved());
                                t.compactionAlgorithm = algorithm;
                                return t;
                            }));
                })
                .flatMap(t -> t.loadTimelines().then(Mono.fromRunnable(t::initRetainLsns)).thenReturn(t));
    }

    private Mono<Void> loadTimelines() {
        Path timelinesDir = dir.resolve(TIMELINES_DIR);
        return BlockingFs.createDirectories(timelinesDir)
                .then(BlockingFs.list(timelinesDir))
                .flatMapMany(Flux::fromIterable)
                .concatMap(p -> {
                    String name = p.getFileName().toString();
                    TimelineId tid;
                    try {
                        tid = TimelineId.parse(name);
                    } catch (IllegalArgumentException e) {
                        log.warn("tenant {}: leaving unrecognized entry {} alone", id, p);
                        return Mono.empty();
                    }
                    return BlockingFs.exists(p.resolve(IndexPart.FILE_NAME)).flatMap(has -> {
                        if (!has) {
                            log.info("tenant {}: removing timeline directory {} without an index (creation "
                                    + "interrupted)", id, p);
                            return BlockingFs.deleteRecursively(p).then(resources.engine().fsyncDirectory(timelinesDir))
                                    .then(Mono.empty());
                        }
                        return TimelineLoader.readIndex(resources, p).map(ix -> Map.entry(tid, ix));
                    });
                })
                .collectList()
                .flatMap(indexes -> {
                    Map<TimelineId, IndexPart> byId = new HashMap<>();
                    indexes.forEach(e -> byId.put(e.getKey(), e.getValue()));
                    return loadInOrder(byId);
                });
    }

    /** Loads timelines whose ancestor is loaded (or who have none), round after round. */
    private Mono<Void> loadInOrder(Map<TimelineId, IndexPart> pending) {
        if (pending.isEmpty()) {
            return Mono.empty();
        }
        List<Map.Entry<TimelineId, IndexPart>> ready = new ArrayList<>();
        for (Map.Entry<TimelineId, IndexPart> e : pending.entrySet()) {
            Optional<TimelineId> anc = e.getValue().ancestorTimeline();
            if (anc.isEmpty() || timelines.containsKey(anc.get())) {
                ready.add(e);
            }
        }
        if (ready.isEmpty()) {
            TimelineId some = pending.keySet().iterator().next();
            return Mono.error(new IllegalStateException("tenant " + id + ": timeline " + some + " has ancestor "
                    + pending.get(some).ancestorTimeline().orElseThrow() + ", which is not loadable (missing, or "
                    + "a cycle)"));
        }
        return Flux.fromIterable(ready)
                .flatMap(e -> {
                    IndexPart ix = e.getValue();
                    Optional<ReadTimeline.Ancestor> ancestor = ix.ancestorTimeline()
                            .map(a -> new ReadTimeline.Ancestor(timelines.get(a), ix.metadata().ancestorLsn()));
                    return TimelineLoader.load(resources, e.getKey(), timelineDirectory(e.getKey()), ix, ancestor)
                            .doOnNext(t -> {
                                timelines.put(t.id(), t);
                                timelineAdded.accept(t);
                            });
                }, 4)
                .then(Mono.defer(() -> {
                    Map<TimelineId, IndexPart> rest = new HashMap<>(pending);
                    ready.forEach(e -> rest.remove(e.getKey()));
                    return loadInOrder(rest);
                }));
    }

    /** {@code tenant.json}: {@code {"generation": N, "compaction_algorithm": {"kind": "legacy"}}}, atomically. */
    private static Mono<Void> writeTenantFile(io.strata.io.file.IoEngine engine,
                                              io.strata.io.buffer.AlignedBufferPool pool, Path dir, Generation gen,
                                              CompactionAlgorithm algorithm) {
        byte[] json = ("{\"generation\":" + Integer.toUnsignedLong(gen.value())
                + ",\"compaction_algorithm\":{\"kind\":\"" + algorithm.kind() + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        return DurableFiles.writeAtomically(engine, pool, dir.resolve(GENERATION_FILE), json);
    }

    /** The tenant's compaction algorithm; legacy when the file predates the setting. */
    static CompactionAlgorithm parseCompactionAlgorithm(byte[] bytes, Path file) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            JsonNode a = n == null ? null : n.get("compaction_algorithm");
            if (a == null || a.isNull()) {
                return CompactionAlgorithm.LEGACY;
            }
            JsonNode kind = a.get("kind");
            if (kind == null || !kind.isTextual()) {
                throw new IllegalStateException(file + ": expected \"compaction_algorithm\": {\"kind\": "
                        + "\"legacy\"|\"tiered\"}, got " + a);
            }
            return CompactionAlgorithm.parse(kind.asText());
        } catch (IOException e) {
            throw new IllegalStateException(file + ": not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }

    static Generation parseGeneration(byte[] bytes, Path file) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            JsonNode g = n == null ? null : n.get("generation");
            if (g == null || !g.canConvertToLong() || g.asLong() < 1 || g.asLong() > 0xFFFF_FFFFL) {
                throw new IllegalStateException(file + ": expected {\"generation\": <u32 >= 1>}, got "
                        + new String(bytes, StandardCharsets.UTF_8));
            }
            return Generation.of((int) g.asLong());
        } catch (IOException e) {
            throw new IllegalStateException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Shuts every timeline down, branches before their ancestors. */
    Mono<Void> shutdown(boolean flush) {
        List<Timeline> all = timelines();
        List<Timeline> branches = all.stream().filter(t -> t.ancestor().isPresent()).toList();
        List<Timeline> roots = all.stream().filter(t -> t.ancestor().isEmpty()).toList();
        return Flux.fromIterable(branches).flatMap(t -> t.shutdown(flush)).then(
                Flux.fromIterable(roots).flatMap(t -> t.shutdown(flush)).then());
    }

    @Override
    public String toString() {
        return "Tenant{" + id + ", generation " + generation() + "}";
    }
}
