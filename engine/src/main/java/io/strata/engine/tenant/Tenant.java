package io.strata.engine.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerName;
import io.strata.engine.read.ReadTimeline;
import io.strata.engine.timeline.BlockingFs;
import io.strata.engine.timeline.DurableFiles;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineLoader;
import io.strata.engine.timeline.TimelineResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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

    private Tenant(TenantId id, Path dir, TimelineResources resources) {
        this.id = id;
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
                    .doOnNext(t -> timelines.put(timeline, t))
                    .doFinally(s -> creating.remove(timeline));
        });
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
                        .then(writeGeneration(shared, dir, gen))
                        .then(shared.engine().fsyncDirectory(tenantsDir))
                        .thenReturn(new Tenant(id, dir, shared.forTenant(id, gen))));
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
                .map(bytes -> parseGeneration(bytes, genFile))
                .flatMap(previous -> {
                    long next = Integer.toUnsignedLong(previous.value()) + 1;
                    if (next > 0xFFFF_FFFEL) {
                        return Mono.error(new IllegalStateException(genFile + ": generation " + previous
                                + " cannot grow further"));
                    }
                    Generation gen = Generation.of((int) next);
                    return writeGeneration(shared, dir, gen).thenReturn(new Tenant(id, dir, shared.forTenant(id, gen)));
                })
                .flatMap(t -> t.loadTimelines().thenReturn(t));
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
                            .doOnNext(t -> timelines.put(t.id(), t));
                }, 4)
                .then(Mono.defer(() -> {
                    Map<TimelineId, IndexPart> rest = new HashMap<>(pending);
                    ready.forEach(e -> rest.remove(e.getKey()));
                    return loadInOrder(rest);
                }));
    }

    private static Mono<Void> writeGeneration(SharedResources shared, Path dir, Generation gen) {
        byte[] json = ("{\"generation\":" + Integer.toUnsignedLong(gen.value()) + "}")
                .getBytes(StandardCharsets.UTF_8);
        return DurableFiles.writeAtomically(shared.engine(), shared.writePool(), dir.resolve(GENERATION_FILE), json);
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
