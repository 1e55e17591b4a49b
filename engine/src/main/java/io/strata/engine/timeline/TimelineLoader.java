package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.BatchedUpdates;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadTimeline;
import io.strata.engine.read.ReadableLayer;
import io.strata.io.write.EphemeralFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Creating a timeline directory and opening one at startup (Neon's {@code create_empty_timeline} and
 * {@code load_layer_map} / {@code init_timeline_files}). Used by {@link io.strata.engine.tenant.Tenant}.
 */
public final class TimelineLoader {
    private static final Logger log = LoggerFactory.getLogger(TimelineLoader.class);
    /** Layer files opened (and checked) at once while loading. */
    private static final int OPEN_CONCURRENCY = 16;

    private TimelineLoader() {
    }

    /**
     * Creates the directory {@code dir} (which must not hold an index) with an empty index of {@code metadata},
     * durably: the index is written atomically, then the parent directory is fsynced so the new directory's entry
     * survives a crash. A crash before the index is in place leaves a directory without an index, which the next
     * start removes.
     */
    public static Mono<Timeline> create(TimelineResources res, TimelineId id, Path dir,
                                        IndexPart.TimelineMetadata metadata, Optional<ReadTimeline.Ancestor> ancestor) {
        IndexPart index = IndexPart.empty(metadata);
        return BlockingFs.exists(dir.resolve(IndexPart.FILE_NAME)).flatMap(exists -> exists
                ? Mono.error(new IllegalStateException("timeline " + id + " exists already in " + dir))
                : BlockingFs.deleteRecursively(dir)
                        .then(BlockingFs.createDirectories(dir))
                        .then(DurableFiles.writeAtomically(res.engine(), res.writePool(),
                                dir.resolve(IndexPart.FILE_NAME), index.toJson()))
                        .then(res.engine().fsyncDirectory(dir.getParent()))
                        .then(Mono.fromSupplier(() -> build(res, id, dir, index, ancestor, LayerSnapshot.EMPTY,
                                Instant.EPOCH))));
    }

    /** Reads and parses {@code dir/index_part.json}. */
    public static Mono<IndexPart> readIndex(TimelineResources res, Path dir) {
        Path file = dir.resolve(IndexPart.FILE_NAME);
        return DurableFiles.readAll(res.engine(), res.readPool(), file)
                .map(bytes -> IndexPart.fromJson(bytes, file.toString()));
    }

    /**
     * Opens the timeline in {@code dir} as {@code index} describes it: removes temporary files ({@code ___temp}),
     * ephemeral files (in-memory layers of the previous run) and layer files the index does not name (with this
     * name and generation: a flush that did not reach the index), then opens every layer file of the index,
     * checking its size and summary, and publishes them. Reads are served as soon as this completes. Files of
     * unknown names are left alone (and logged).
     *
     * @throws IllegalStateException (in the Mono) naming the file when a layer of the index is missing or does not
     *                               match
     */
    public static Mono<Timeline> load(TimelineResources res, TimelineId id, Path dir, IndexPart index,
                                      Optional<ReadTimeline.Ancestor> ancestor) {
        List<LayerName> future = futureLayers(index);
        if (!future.isEmpty()) {
            // the index first (atomically), then the files go as strays: a crash in between leaves files the
            // index does not name, which the next start removes
            log.warn("timeline {}: dropping {} layer(s) above the disk-consistent LSN {} (made from WAL that did not "
                    + "become durable): {}", id, future.size(), index.metadata().diskConsistentLsn(), future);
            IndexPart without = index.withLayers(Map.of(), future);
            return DurableFiles.writeAtomically(res.engine(), res.writePool(), dir.resolve(IndexPart.FILE_NAME),
                            without.toJson())
                    .then(Mono.defer(() -> load(res, id, dir, without, ancestor)));
        }
        LayerWriteContext ctx = context(res, id, dir);
        Map<String, PersistentLayerDesc> expected = new HashMap<>();
        for (Map.Entry<LayerName, IndexPart.LayerFileMetadata> e : index.layerMetadata().entrySet()) {
            expected.put(e.getKey().localFileName(e.getValue().generation()),
                    new PersistentLayerDesc(e.getKey(), e.getValue().fileSize()));
        }
        return BlockingFs.list(dir)
                .flatMap(files -> removeStrays(res, id, dir, files, expected.keySet()))
                .then(openLayers(res, ctx, dir, expected))
                .map(layers -> {
                    BatchedUpdates u = LayerMap.EMPTY.batchUpdate();
                    Map<LayerName, ReadableLayer> byName = new HashMap<>();
                    for (PersistentLayer l : layers) {
                        u.insertHistoric(l.desc());
                        byName.put(l.desc().name(), l);
                    }
                    LayerSnapshot snapshot = new LayerSnapshot(u.flush(), byName, Map.of());
                    // leases live in memory: GC waits one lease length so that clients can renew theirs (Neon's
                    // lsn_lease_deadline after attach)
                    return build(res, id, dir, index, ancestor, snapshot,
                            Instant.now().plus(res.config().gc().lsnLeaseLength()));
                });
    }

    /**
     * Neon's {@code is_future_layer}: a layer reaching past the disk-consistent LSN (an image layer above dcl + 1,
     * where Strata's image creation puts images when everything is flushed; a delta layer ending after dcl + 1).
     * Image layer creation can make one from in-memory data; when the process stops without flushing, the WAL under
     * it is gone, and the LSNs it covers will be ingested again, possibly with other records (Neon gets the same WAL
     * again from the safekeepers; Strata cannot assume that).
     */
    static List<LayerName> futureLayers(IndexPart index) {
        Lsn dcl = index.metadata().diskConsistentLsn();
        List<LayerName> out = new ArrayList<>();
        for (LayerName n : index.layerMetadata().keySet()) {
            // Strata makes images at the end of its delta layers: dcl + 1 when everything ingested was flushed
            boolean future = n.isDelta() ? n.lsnEnd().isAfter(dcl.add(1)) : n.lsnStart().isAfter(dcl.add(1));
            if (future) {
                out.add(n);
            }
        }
        return out;
    }

    private static Timeline build(TimelineResources res, TimelineId id, Path dir, IndexPart index,
                                  Optional<ReadTimeline.Ancestor> ancestor, LayerSnapshot snapshot,
                                  Instant gcBlockedUntil) {
        TimelineStore store = new TimelineStore(res, dir, context(res, id, dir), index, gcBlockedUntil);
        return new Timeline(id, ancestor, snapshot, res.redo(), res.readOptions(), store);
    }

    static LayerWriteContext context(TimelineResources res, TimelineId id, Path dir) {
        return new LayerWriteContext(res.engine(), res.writePool(), dir, res.tenantId(), id, res.generation());
    }

    /** What restart does with a file of a timeline directory. */
    enum Disposition {
        KEEP, REMOVE_TEMP, REMOVE_EPHEMERAL, REMOVE_NOT_IN_INDEX, UNKNOWN
    }

    static Disposition classify(String fileName, Set<String> indexedFiles) {
        if (fileName.equals(IndexPart.FILE_NAME) || indexedFiles.contains(fileName)) {
            return Disposition.KEEP;
        }
        if (fileName.endsWith(LayerName.TEMP_FILE_SUFFIX)) {
            return Disposition.REMOVE_TEMP;
        }
        if (EphemeralFile.isEphemeralFile(fileName)) {
            return Disposition.REMOVE_EPHEMERAL;
        }
        try {
            LayerName.parse(fileName);
            return Disposition.REMOVE_NOT_IN_INDEX;
        } catch (IllegalArgumentException e) {
            return Disposition.UNKNOWN;
        }
    }

    private static Mono<Void> removeStrays(TimelineResources res, TimelineId id, Path dir, List<Path> files,
                                           Set<String> indexed) {
        List<Path> remove = new ArrayList<>();
        for (Path p : files) {
            String name = p.getFileName().toString();
            Disposition d = classify(name, indexed);
            switch (d) {
                case KEEP -> { }
                case UNKNOWN -> log.warn("timeline {}: leaving unrecognized file {} alone", id, p);
                default -> {
                    log.info("timeline {}: removing {} ({})", id, name, d);
                    remove.add(p);
                }
            }
        }
        if (remove.isEmpty()) {
            return Mono.empty();
        }
        return Flux.fromIterable(remove)
                .concatMap(p -> res.engine().deleteIfExists(p))
                .then(res.engine().fsyncDirectory(dir));
    }

    private static Mono<List<PersistentLayer>> openLayers(TimelineResources res, LayerWriteContext ctx, Path dir,
                                                          Map<String, PersistentLayerDesc> expected) {
        ConcurrentLinkedQueue<LayerReader<?>> opened = new ConcurrentLinkedQueue<>();
        Set<String> names = new HashSet<>(expected.keySet());
        return Flux.fromIterable(names)
                .flatMapDelayError(file -> {
                    PersistentLayerDesc desc = expected.get(file);
                    Path path = dir.resolve(file);
                    return LayerFiles.open(res, ctx, desc, path)
                            .doOnNext(opened::add)
                            .onErrorMap(e -> new IllegalStateException("timeline " + ctx.timelineId() + ": layer file "
                                    + path + " named by " + IndexPart.FILE_NAME + " cannot be used: " + e.getMessage(),
                                    e))
                            .map(r -> PersistentLayer.of(desc, r, res.blobReader(), res.maxReadSize()));
                // delay the error: a failed layer must not cancel its siblings half-way through their opens (their
                // closes would then race the engine's shutdown); every file is open or closed when this fails
                }, OPEN_CONCURRENCY, 1)
                .onErrorMap(Exceptions::isMultiple, TimelineLoader::firstWithOthersSuppressed)
                .collectList()
                .onErrorResume(e -> Flux.fromIterable(opened)
                        .concatMap(r -> r.close().onErrorResume(x -> Mono.empty()))
                        .then(Mono.error(e)));
    }

    private static Throwable firstWithOthersSuppressed(Throwable multiple) {
        List<Throwable> all = Exceptions.unwrapMultiple(multiple);
        Throwable first = all.get(0);
        all.subList(1, all.size()).forEach(first::addSuppressed);
        return first;
    }
}
