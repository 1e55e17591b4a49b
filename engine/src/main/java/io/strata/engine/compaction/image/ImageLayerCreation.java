package io.strata.engine.compaction.image;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyPartitioning;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.layermap.ImageCoverage;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.KeySpaceQuery;
import io.strata.engine.read.Page;
import io.strata.engine.read.PageReconstructException;
import io.strata.engine.read.ReadTimeline;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Image layer creation for one timeline: Neon's {@code repartition}, {@code time_for_new_image_layer},
 * {@code should_check_if_image_layers_required} and {@code create_image_layers} with
 * {@code create_image_layer_for_rel_blocks} and {@code create_image_layer_for_metadata_keys}, and the state Neon keeps
 * on its timeline for them (the cached partitioning, when image layers were last checked for, the last run's status).
 * Keep one per timeline.
 *
 * <p>A run writes each partition's image layer as it goes and swaps all of them into the timeline at the end, in one
 * durable index change ({@link Timeline#replaceHistoricLayers}), as Neon uploads its batch of new layers at the end.
 * If the run fails or is cancelled before that, the layer being written is aborted and the finished ones are
 * deleted: the timeline is left as it was. Once the index change has begun it is not cancelled halfway; if it fails,
 * its files are deleted too. One repartition and one run at a time.
 */
public final class ImageLayerCreation {
    private static final Logger log = LoggerFactory.getLogger(ImageLayerCreation.class);
    /** Neon's {@code ZERO_PAGE}: what an FSM or VM page that cannot be reconstructed becomes. */
    private static final byte[] ZERO_PAGE = new byte[ImageLayerCreationConfig.BLCKSZ];
    private static final KeyRange BELOW_METADATA = new KeyRange(Key.MIN,
            CollectedKeySpace.METADATA_KEY_RANGE.start());
    private static final KeyRange ABOVE_METADATA = new KeyRange(CollectedKeySpace.METADATA_KEY_RANGE.end(), Key.MAX);

    private final Timeline timeline;
    private final ImageLayerCreationConfig config;
    private final Clock clock;
    private final KeySpaceCollector collector = new KeySpaceCollector();
    private final AtomicReference<Partitioning> partitioning = new AtomicReference<>(Partitioning.INITIAL);
    private final AtomicBoolean repartitioning = new AtomicBoolean();
    private final AtomicBoolean creating = new AtomicBoolean();
    private volatile LastImageLayerCreationStatus lastStatus = LastImageLayerCreationStatus.INITIAL;
    // Neon's last_image_layer_creation_check_at / _instant; guarded by this
    private Lsn lastCheckAt = Lsn.INVALID;
    private Instant lastCheckInstant;

    /** Image layer creation for a stored {@code timeline}, with the system clock. */
    public ImageLayerCreation(Timeline timeline, ImageLayerCreationConfig config) {
        this(timeline, config, Clock.systemUTC());
    }

    /** @param clock when image layers were last checked for (the time-based part of the check) */
    public ImageLayerCreation(Timeline timeline, ImageLayerCreationConfig config, Clock clock) {
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!timeline.isStored()) {
            throw new IllegalArgumentException(timeline.name() + " has no storage: image layers cannot be written");
        }
    }

    public Timeline timeline() {
        return timeline;
    }

    public ImageLayerCreationConfig config() {
        return config;
    }

    /** The partitioning of the last repartition ({@link Partitioning#INITIAL} before the first). */
    public Partitioning partitioning() {
        return partitioning.get();
    }

    /** The status of the last successful run ({@link LastImageLayerCreationStatus#INITIAL} before the first). */
    public LastImageLayerCreationStatus lastImageLayerCreationStatus() {
        return lastStatus;
    }

    /** The collector of the timeline's key space, with its per-layer cache. */
    public KeySpaceCollector keySpaceCollector() {
        return collector;
    }

    /** The keys of the timeline at {@code lsn} (see {@link KeySpaceCollector}). */
    public Mono<CollectedKeySpace> collectKeyspace(Lsn lsn) {
        return collector.collect(timeline, lsn);
    }

    /** Neon's {@code repartition_threshold}: a tenth of the checkpoint distance. */
    public long repartitionThreshold() {
        return timeline.config().checkpointDistance()
                / ImageLayerCreationConfig.REPARTITION_FREQ_IN_CHECKPOINT_DISTANCE;
    }

    // ------------------------------------------------------------------------------------------------ repartition

    /**
     * Neon's {@code partition_lsn} choice in {@code compact_legacy}: the L0/L1 boundary (the highest end of a delta
     * layer or LSN of an image layer), raised to the applied GC cutoff, the last repartition's LSN, the initdb LSN and
     * the branch point, but never above the last record LSN + 1; the last record LSN when there are no layers or that
     * would not be above the initdb LSN or the branch point (no data below them).
     */
    public Lsn partitionLsn() {
        Lsn boundary = null;
        for (PersistentLayerDesc l : timeline.layers().map().historicLayers()) {
            Lsn at = l.isDelta() ? l.lsnEnd() : l.lsnStart();
            boundary = boundary == null ? at : max(boundary, at);
        }
        Lsn initdb = timeline.indexPart().metadata().initdbLsn();
        Lsn ancestorLsn = timeline.ancestor().map(ReadTimeline.Ancestor::lsn).orElse(Lsn.INVALID);
        if (boundary == null) {
            return timeline.lastRecordLsn();
        }
        Lsn lsn = max(max(max(timeline.appliedGcCutoffLsn(), boundary), partitioning.get().lsn()),
                max(initdb, ancestorLsn));
        if (!lsn.isAfter(initdb) || !lsn.isAfter(ancestorLsn)) {
            return timeline.lastRecordLsn();
        }
        // Never above what was ingested (the boundary is at most the last record LSN + 1, a delta's end): a branch
        // made at a leased LSN below its parent's applied cutoff starts with that cutoff above its tip, and an image
        // there would hide the records ingested below it later. Below the cutoff, image creation then skips.
        Lsn tip = timeline.lastRecordLsn().add(1);
        return lsn.isAfter(tip) ? tip : lsn;
    }

    /**
     * Neon's {@code repartition}: the key space at {@code lsn} cut into parts of about {@code partitionSize} bytes
     * (dense keys; the metadata keys are one part). The previous partitioning is returned as it is while {@code lsn}
     * is within the repartition threshold of its LSN, unless {@code force} (Neon's {@code ForceRepartition}).
     *
     * @return fails with {@link IllegalArgumentException} if {@code lsn} is below the last repartition's LSN, with
     *         {@link IllegalStateException} if another repartition is running
     */
    public Mono<Partitioning> repartition(Lsn lsn, long partitionSize, boolean force) {
        Objects.requireNonNull(lsn, "lsn");
        return Mono.defer(() -> {
            if (!repartitioning.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException(timeline.name() + ": repartition() called concurrently"));
            }
            Partitioning current = partitioning.get();
            if (lsn.isBefore(current.lsn())) {
                repartitioning.set(false);
                return Mono.error(new IllegalArgumentException(timeline.name() + ": repartition() called with LSN "
                        + lsn + " going backwards from " + current.lsn()));
            }
            long distance = lsn.value() - current.lsn().value();
            if (current.lsn().isValid() && Long.compareUnsigned(distance, repartitionThreshold()) <= 0 && !force) {
                log.debug("{}: no repartitioning needed: distance {}, threshold {}", timeline.name(), distance,
                        repartitionThreshold());
                repartitioning.set(false);
                return Mono.just(current);
            }
            return collector.collect(timeline, lsn)
                    .map(keys -> {
                        Partitioning p = new Partitioning(partitionDense(keys.dense(), partitionSize),
                                keys.sparse().isEmpty() ? KeyPartitioning.empty()
                                        : new KeyPartitioning(List.of(keys.sparse())), lsn);
                        partitioning.set(p);
                        // released before the result is seen, so that the caller may repartition again at once
                        repartitioning.set(false);
                        return p;
                    })
                    .doOnError(e -> repartitioning.set(false))
                    .doOnCancel(() -> repartitioning.set(false));
        });
    }

    /**
     * Neon's {@code dense_ks.partition(shard, size, BLCKSZ)}, done separately below and above the metadata range so
     * that no dense image layer covers metadata keys (Neon's dense keys never reach the metadata range).
     */
    private KeyPartitioning partitionDense(KeySpace dense, long partitionSize) {
        List<KeySpace> parts = new ArrayList<>();
        for (KeyRange side : List.of(BELOW_METADATA, ABOVE_METADATA)) {
            KeySpace keys = dense.intersect(KeySpace.single(side));
            parts.addAll(keys.partition(config.shard(), partitionSize, ImageLayerCreationConfig.BLCKSZ).parts());
        }
        return new KeyPartitioning(parts);
    }

    // ------------------------------------------------------------------------------------------------ decisions

    /**
     * Neon's {@code time_for_new_image_layer}: whether some part of {@code partition} has, above its newest image at
     * or below {@code lsn}, a stack of at least {@code imageCreationThreshold} delta layers (L0 layers count only for
     * a partition of the whole key space: {@link LayerMap#isReimageWorthy}).
     */
    public boolean timeForNewImageLayer(KeySpace partition, Lsn lsn) {
        int threshold = config.imageCreationThreshold();
        LayerMap layers = timeline.layers().map();
        int maxDeltas = 0;
        for (KeyRange partRange : partition.ranges()) {
            for (ImageCoverage c : layers.imageCoverage(partRange, lsn)) {
                Lsn imgLsn = c.layer().map(PersistentLayerDesc::lsnEnd).orElse(Lsn.INVALID);
                // an image at lsn itself: nothing new since (and no bogus start > end range below)
                if (imgLsn.isBefore(lsn)) {
                    int numDeltas = layers.countDeltas(c.range(), imgLsn, lsn, OptionalInt.of(threshold));
                    maxDeltas = Math.max(maxDeltas, numDeltas);
                    if (numDeltas >= threshold) {
                        log.debug("{}: key range {} has {} deltas in LSN range {}..{}", timeline.name(), c.range(),
                                numDeltas, imgLsn, lsn);
                        return true;
                    }
                }
            }
        }
        log.debug("{}: none of the partitioned ranges had >= {} deltas (max {})", timeline.name(), threshold,
                maxDeltas);
        return false;
    }

    /**
     * Neon's {@code should_check_if_image_layers_required}: counting delta layers is expensive, so only check when
     * {@code imageLayerCreationCheckThreshold} checkpoint distances of WAL arrived since the last check, or a
     * checkpoint timeout passed (Strata does not know a timeline's logical size, so every timeline counts as large
     * here; Neon waits 48 h for small ones). Records the check when it says yes.
     *
     * @throws IllegalArgumentException if {@code lsn} is below the last check's LSN
     */
    public synchronized boolean shouldCheckIfImageLayersRequired(Lsn lsn) {
        if (lsn.isBefore(lastCheckAt)) {
            throw new IllegalArgumentException(timeline.name() + ": attempt to compact with LSN going backwards: "
                    + lsn + " < " + lastCheckAt);
        }
        TimelineConfig tc = timeline.config();
        long distance = lsn.value() - lastCheckAt.value();
        long minDistance = config.imageLayerCreationCheckThreshold() * tc.checkpointDistance();
        boolean distanceBased = Long.compareUnsigned(distance, minDistance) >= 0;
        Instant now = clock.instant();
        boolean timeBased = lastCheckInstant == null
                || Duration.between(lastCheckInstant, now).compareTo(tc.checkpointTimeout()) >= 0;
        boolean decision = distanceBased || timeBased;
        log.debug("{}: decided to check image layers: {} (distance-based {}, time-based {})", timeline.name(),
                decision, distanceBased, timeBased);
        if (decision) {
            lastCheckAt = lsn;
            lastCheckInstant = now;
        }
        return decision;
    }

    // ------------------------------------------------------------------------------------------------ creation

    /**
     * Neon's {@code create_image_layers}: goes through the partitions in key order and writes one image layer at
     * {@code lsn} for each that needs one ({@link ImageLayerCreationMode}), over {@code [start, partition end)} where
     * {@code start} is where the previous image layer ended (no holes between them, so that GC can see old layers
     * covered; the last one extends to {@link Key#MAX}), and adds them all to the timeline at the end. The
     * partitioning must hold every key that exists at {@code lsn} (image layers hide what they lack): use the
     * partitioning of {@link #repartition} with its own LSN, as {@link #createImageLayers(Partitioning,
     * ImageLayerCreationMode, BooleanSupplier)} does. Dense partitions are read
     * {@code maxGetVectoredKeys} keys at a time, leaving out keys the shard may dispose of (an FSM or VM page that
     * cannot be reconstructed becomes a zero page, as in Neon); the metadata partition is read in one go, missing
     * keys are absent and empty values (tombstones) left out, and in TRY mode it is imaged only when the read visited
     * at least {@link ImageLayerCreationConfig#MAX_AUX_FILE_V2_DELTAS} delta layers.
     *
     * <p>In TRY mode, after a partition that produced a layer, {@code yieldForL0} is asked whether L0 compaction is
     * waiting (unless the preempt threshold is 0); if so the run stops there and returns
     * {@link LastImageLayerCreationStatus.Incomplete} with the end of that partition, and the next run, given that
     * status, continues with the partition after it.
     *
     * @param partitioning the parts, in key order, disjoint; the metadata keys in parts of their own
     * @param lastStatus   the status of the previous run
     * @param yieldForL0   whether to stop for L0 compaction; null never stops
     * @return the layers added and the status (also kept: {@link #lastImageLayerCreationStatus()}); fails, changing
     *         nothing, on a read or write error, or with {@link IllegalStateException} if a run is in progress
     */
    public Mono<CreateImageLayersResult> createImageLayers(KeyPartitioning partitioning, Lsn lsn,
                                                           ImageLayerCreationMode mode,
                                                           LastImageLayerCreationStatus lastStatus,
                                                           BooleanSupplier yieldForL0) {
        Objects.requireNonNull(partitioning, "partitioning");
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(lastStatus, "lastStatus");
        return Mono.defer(() -> {
            checkPartitioning(partitioning);
            if (!creating.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException(timeline.name()
                        + ": create_image_layers() called concurrently"));
            }
            Mono<CreateImageLayersResult> run;
            try {
                run = start(partitioning, lsn, mode, lastStatus, yieldForL0);
            } catch (RuntimeException e) {
                creating.set(false);
                return Mono.error(e);
            }
            return run.doOnNext(r -> this.lastStatus = r.status());
        });
    }

    /**
     * Compaction's call: {@link #createImageLayers(KeyPartitioning, Lsn, ImageLayerCreationMode,
     * LastImageLayerCreationStatus, BooleanSupplier)} over every part of {@code partitioning} at its LSN, resuming
     * from the last run's status.
     */
    public Mono<CreateImageLayersResult> createImageLayers(Partitioning partitioning, ImageLayerCreationMode mode,
                                                           BooleanSupplier yieldForL0) {
        Objects.requireNonNull(partitioning, "partitioning");
        return Mono.defer(() -> createImageLayers(partitioning.combined(), partitioning.lsn(), mode, lastStatus,
                yieldForL0));
    }

    private Mono<CreateImageLayersResult> start(KeyPartitioning partitioning, Lsn lsn, ImageLayerCreationMode mode,
                                                LastImageLayerCreationStatus lastStatus, BooleanSupplier yieldForL0) {
        long started = System.nanoTime();
        if (partitioning.isEmpty()) {
            log.warn("{}: no partitions to create image layers for", timeline.name());
            creating.set(false);
            return Mono.just(new CreateImageLayersResult(List.of(), LastImageLayerCreationStatus.COMPLETE,
                    new ImageLayerCreationStats(0, 0, 0, 0, 0, Duration.ofNanos(System.nanoTime() - started))));
        }
        boolean check;
        if (lastStatus instanceof LastImageLayerCreationStatus.Incomplete inc) {
            log.info("{}: resuming image layer creation: last status incomplete, continue from {}", timeline.name(),
                    inc.lastKey());
            check = true;
        } else {
            check = shouldCheckIfImageLayersRequired(lsn);
        }
        List<KeySpace> parts = partitioning.parts();
        Key start = Key.MIN;
        if (lastStatus instanceof LastImageLayerCreationStatus.Incomplete inc) {
            int resumeAt = -1;
            for (int i = 0; i < parts.size(); i++) {
                if (inc.lastKey().compareTo(parts.get(i).end().orElseThrow()) <= 0) {
                    // Skip this partition too even if last key is inside it (a relation grew since): progress.
                    resumeAt = i + 1 < parts.size() ? i + 1 : -1;
                    break;
                }
            }
            if (resumeAt < 0) {
                // the last key is in the last partition or beyond all of them
                creating.set(false);
                return Mono.just(new CreateImageLayersResult(List.of(), LastImageLayerCreationStatus.COMPLETE,
                        new ImageLayerCreationStats(0, 0, 0, 0, 0, Duration.ofNanos(System.nanoTime() - started))));
            }
            parts = parts.subList(resumeAt, parts.size());
            start = parts.get(0).start().orElseThrow();
        }
        KeySpace lastPart = partitioning.parts().get(partitioning.parts().size() - 1);
        Run run = new Run(lsn, mode, check, yieldForL0, start, lastPart, parts.size(), started);
        return Flux.fromIterable(parts)
                .concatMap(p -> processPartition(run, p).thenReturn(p), 0)
                .takeUntil(p -> run.yielded)
                .then(Mono.defer(() -> commit(run)))
                // the cleanup is not cancelled halfway either
                .onErrorResume(e -> run.commitStarted ? Mono.error(e)
                        : Mono.fromFuture(abandon(run).toFuture(), true).then(Mono.error(e)))
                .doOnCancel(() -> {
                    if (!run.commitStarted) {
                        abandon(run).subscribe(null, e -> log.warn("{}: cleanup of a cancelled image layer "
                                + "creation failed: {}", timeline.name(), e.toString()));
                    }
                });
    }

    private static void checkPartitioning(KeyPartitioning partitioning) {
        Key previousEnd = null;
        for (KeySpace part : partitioning.parts()) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("empty partition in " + partitioning);
            }
            if (previousEnd != null && part.start().orElseThrow().compareTo(previousEnd) < 0) {
                throw new IllegalArgumentException("partitions must be in key order and disjoint: " + part
                        + " starts below " + previousEnd);
            }
            previousEnd = part.end().orElseThrow();
        }
    }

    /** One run's state; partitions are processed one after another, so only the cleanup races with it. */
    private static final class Run {
        final Lsn lsn;
        final ImageLayerCreationMode mode;
        final boolean checkForImageLayers;
        final BooleanSupplier yieldForL0;
        final int total;
        final long started;
        /** Where the next image layer starts. */
        Key start;
        /** The partitioning's last part: its image layer extends to {@link Key#MAX}. */
        final KeySpace lastPart;
        int processed;
        long keys;
        KeySpace lastPartitionProcessed;
        volatile boolean yielded;
        volatile boolean commitStarted;
        /** Finished layer files, not yet in the index; guarded by this. */
        private final List<WrittenLayer<ImageLayerSummary>> finished = new ArrayList<>();
        private boolean abandoned;

        Run(Lsn lsn, ImageLayerCreationMode mode, boolean checkForImageLayers, BooleanSupplier yieldForL0,
            Key start, KeySpace lastPart, int total, long started) {
            this.lsn = lsn;
            this.lastPart = lastPart;
            this.mode = mode;
            this.checkForImageLayers = checkForImageLayers;
            this.yieldForL0 = yieldForL0;
            this.start = start;
            this.total = total;
            this.started = started;
        }

        /** False if the run was abandoned meanwhile: the caller deletes the file. */
        synchronized boolean addFinished(WrittenLayer<ImageLayerSummary> layer) {
            if (abandoned) {
                return false;
            }
            finished.add(layer);
            return true;
        }

        synchronized int finishedCount() {
            return finished.size();
        }

        synchronized List<WrittenLayer<ImageLayerSummary>> finished() {
            return List.copyOf(finished);
        }

        synchronized List<WrittenLayer<ImageLayerSummary>> abandon() {
            if (abandoned) {
                return null;
            }
            abandoned = true;
            return List.copyOf(finished);
        }
    }

    /** What one partition gave (Neon's {@code ImageLayerCreationOutcome}). */
    private sealed interface PartitionOutcome {
        /** An image layer was written. */
        record Generated(WrittenLayer<ImageLayerSummary> layer, long keys) implements PartitionOutcome {
        }

        /** No data in the partition: the next image layer covers its range too. */
        record Empty() implements PartitionOutcome {
        }

        /** Metadata not worth an image: the next image layer must not cover its range (reads stop at images). */
        record Skip() implements PartitionOutcome {
        }
    }

    private static final PartitionOutcome EMPTY = new PartitionOutcome.Empty();
    private static final PartitionOutcome SKIP = new PartitionOutcome.Skip();

    private Mono<Void> processPartition(Run run, KeySpace partition) {
        return Mono.defer(() -> {
            run.processed++;
            // Strata: the last image ends at Key.MAX, not at the last key (no key exists beyond the key space at
            // the LSN), so that a complete set of images covers L0 layers and legacy GC can remove them
            Key end = partition == run.lastPart ? Key.MAX : partition.end().orElseThrow();
            KeyRange imgRange = new KeyRange(run.start, end);
            boolean compactMetadata = partition.overlaps(CollectedKeySpace.METADATA_KEY_RANGE);
            if (compactMetadata) {
                for (KeyRange r : partition.ranges()) {
                    if (r.start().field1() < Key.METADATA_KEY_BEGIN_PREFIX
                            || r.end().field1() > Key.METADATA_KEY_END_PREFIX) {
                        return Mono.error(new IllegalArgumentException("metadata keys must be partitioned "
                                + "separately: " + partition));
                    }
                }
                if (run.mode == ImageLayerCreationMode.TRY && !run.checkForImageLayers) {
                    // a metadata image needs a scan: not without enough updates
                    run.start = end;
                    return Mono.empty();
                }
            } else if (run.mode == ImageLayerCreationMode.TRY
                    && (!run.checkForImageLayers || !timeForNewImageLayer(partition, run.lsn))) {
                run.start = end;
                return Mono.empty();
            }
            // Neon checks this in FORCE mode only (elsewhere it cannot happen); a second file of the same name
            // would replace a live one, so check always.
            if (timeline.layers().persistent().containsKey(new ImageLayerName(imgRange, run.lsn))) {
                log.info("{}: skipping image layer at {} {}, already exists", timeline.name(), run.lsn, imgRange);
                run.start = end;
                return Mono.empty();
            }
            Mono<PartitionOutcome> outcome = compactMetadata
                    ? createImageLayerForMetadataKeys(partition, imgRange, run.lsn, run.mode)
                    : createImageLayerForRelBlocks(partition, imgRange, run.lsn);
            return outcome.flatMap(o -> afterPartition(run, partition, imgRange, o));
        });
    }

    private Mono<Void> afterPartition(Run run, KeySpace partition, KeyRange imgRange, PartitionOutcome outcome) {
        if (outcome instanceof PartitionOutcome.Generated g) {
            if (!run.addFinished(g.layer())) {
                return deleteNotInIndex(List.of(g.layer()));
            }
            run.keys += g.keys();
            run.start = imgRange.end();
            log.info("{}: ({}/{}) produced image layer {}", timeline.name(), run.processed, run.total,
                    g.layer().name());
        } else if (outcome instanceof PartitionOutcome.Skip) {
            run.start = imgRange.end();
        } else {
            log.debug("{}: no data in range {}", timeline.name(), imgRange);
        }
        if (run.mode == ImageLayerCreationMode.TRY && run.yieldForL0 != null && run.finishedCount() >= 1
                && config.imageCreationPreemptThreshold() != 0 && run.yieldForL0.getAsBoolean()) {
            log.info("{}: preempt image layer generation at {} when processing partition {}..{}: too many L0 layers",
                    timeline.name(), run.lsn, partition.start().orElseThrow(), partition.end().orElseThrow());
            run.lastPartitionProcessed = partition;
            run.yielded = true;
        }
        return Mono.empty();
    }

    /**
     * One image layer {@code imgRange} at {@code lsn} holding the pages of {@code keys} (within the range), read at
     * {@code lsn}, not added to the index: tiered compaction's {@code create_image}, which swaps it in with the rest
     * of its batch. Empty when no key has a page; a failed or cancelled creation removes its file.
     */
    public Mono<java.util.Optional<WrittenLayer<ImageLayerSummary>>> createImageLayer(KeySpace keys, KeyRange imgRange,
                                                                                      Lsn lsn) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(imgRange, "imgRange");
        Objects.requireNonNull(lsn, "lsn");
        return Mono.defer(() -> {
            KeySpace inRange = keys.intersect(KeySpace.single(imgRange));
            if (inRange.isEmpty()) {
                return Mono.just(java.util.Optional.empty());
            }
            return createImageLayerForRelBlocks(inRange, imgRange, lsn).map(o -> o instanceof PartitionOutcome.Generated g
                    ? java.util.Optional.of(g.layer()) : java.util.Optional.empty());
        });
    }

    /** Neon's {@code create_image_layer_for_rel_blocks}: the partition's pages, a batch of keys at a time. */
    private Mono<PartitionOutcome> createImageLayerForRelBlocks(KeySpace partition, KeyRange imgRange, Lsn lsn) {
        LayerWriteContext ctx = timeline.writeContext();
        return Mono.usingWhen(ImageLayerWriter.create(ctx, imgRange, lsn, config.imageCompression()),
                w -> writeRelBlocks(w, partition, lsn).flatMap(n -> n > 0
                        ? w.finish().map(l -> (PartitionOutcome) new PartitionOutcome.Generated(l, n))
                        : w.abort().thenReturn(EMPTY)),
                w -> Mono.empty(), (w, e) -> w.abort(), ImageLayerWriter::abort);
    }

    private Mono<Long> writeRelBlocks(ImageLayerWriter writer, KeySpace partition, Lsn lsn) {
        return Flux.fromIterable(partition.ranges())
                .concatMap(ImageLayerCreation::keysOf, 0)
                .filter(key -> {
                    if (config.shard().isKeyDisposable(key)) {
                        log.debug("dropping key {} during image layer creation (it belongs on shard {})", key,
                                config.shard().getShardNumber(key));
                        return false;
                    }
                    return true;
                })
                .buffer(config.maxGetVectoredKeys())
                .concatMap(keys -> readPages(keys, lsn), 0)
                .concatMap(pages -> Flux.fromIterable(pages)
                        .concatMap(p -> writer.putImage(p.key(), p.bytes()), 0)
                        .then(Mono.just((long) pages.size())), 0)
                .reduce(0L, Long::sum);
    }

    /** Every key of a range, lazily. */
    private static Flux<Key> keysOf(KeyRange range) {
        return Flux.generate(range::start, (key, sink) -> {
            if (key.compareTo(range.end()) >= 0) {
                sink.complete();
                return key;
            }
            sink.next(key);
            return key.next();
        });
    }

    /** One batch of pages; an FSM or VM page that cannot be reconstructed becomes a zero page (Neon's issue 2601). */
    private Mono<List<Page>> readPages(List<Key> keys, Lsn lsn) {
        KeySpace.Builder b = KeySpace.builder();
        keys.forEach(b::add);
        return timeline.getVectored(b.build(), lsn).collectList()
                .onErrorResume(PageReconstructException.class, e -> isFsmOrVm(e.key())
                        ? Flux.fromIterable(keys).concatMap(k -> readPageOrZero(k, lsn), 0).collectList()
                        : Mono.error(e));
    }

    private Mono<Page> readPageOrZero(Key key, Lsn lsn) {
        return timeline.get(key, lsn).map(bytes -> new Page(key, bytes))
                .onErrorResume(PageReconstructException.class, e -> {
                    if (!isFsmOrVm(key)) {
                        return Mono.error(e);
                    }
                    log.warn("{}: could not reconstruct FSM or VM key {}, filling with zeros: {}", timeline.name(),
                            key, e.toString());
                    return Mono.just(new Page(key, ZERO_PAGE));
                });
    }

    private static boolean isFsmOrVm(Key key) {
        return key.isRelFsmBlockKey() || key.isRelVmBlockKey();
    }

    /**
     * Neon's {@code create_image_layer_for_metadata_keys}: one read of the whole partition; in TRY mode an image only
     * if that read visited enough delta layers.
     */
    private Mono<PartitionOutcome> createImageLayerForMetadataKeys(KeySpace partition, KeyRange imgRange, Lsn lsn,
                                                                   ImageLayerCreationMode mode) {
        AtomicInteger deltasVisited = new AtomicInteger();
        long begin = System.nanoTime();
        // Reads are batched: the most delta layers one batch's descent visited stands for Neon's single descent.
        return timeline.getVectored(KeySpaceQuery.uniform(partition, lsn),
                        (keys, layers, deltas, ios, nanos) -> deltasVisited.accumulateAndGet(deltas, Math::max))
                .collectList()
                .flatMap(pages -> {
                    int visited = deltasVisited.get();
                    boolean trigger = visited >= ImageLayerCreationConfig.MAX_AUX_FILE_V2_DELTAS;
                    long bytes = pages.stream().mapToLong(p -> Key.KEY_SIZE + p.bytes().length).sum();
                    log.info("{}: metadata key compaction: trigger_generation={}, delta_files_accessed={}, "
                                    + "total_kb_retrieved={}, total_keys_retrieved={}, read_time={}s", timeline.name(),
                            trigger, visited, bytes / 1024, pages.size(), (System.nanoTime() - begin) / 1e9);
                    if (!trigger && mode == ImageLayerCreationMode.TRY) {
                        return Mono.just(SKIP);
                    }
                    // in the metadata key space an empty value is a tombstone: the key needs no image
                    List<Page> images = pages.stream().filter(p -> p.bytes().length > 0).toList();
                    if (images.isEmpty()) {
                        return Mono.just(EMPTY);
                    }
                    return ImageLayerWriter.write(timeline.writeContext(), imgRange, lsn, config.imageCompression(),
                                    w -> Flux.fromIterable(images).concatMap(p -> w.putImage(p.key(), p.bytes()), 0)
                                            .then(Mono.defer(w::finish)))
                            .map(l -> new PartitionOutcome.Generated(l, images.size()));
                });
    }

    /**
     * Swaps the run's layers in, in one index change that is not cancelled halfway (a caller that goes away leaves
     * it to complete); if it fails, the files are deleted.
     */
    private Mono<CreateImageLayersResult> commit(Run run) {
        run.commitStarted = true;
        List<WrittenLayer<ImageLayerSummary>> layers = run.finished();
        if (layers.isEmpty()) {
            creating.set(false);
            return Mono.just(result(run, layers));
        }
        CompletableFuture<Void> committed = timeline.replaceHistoricLayers(layers, List.of())
                .onErrorResume(e -> deleteNotInIndex(layers).then(Mono.error(e)))
                // before the outcome is seen, so that the caller may start the next run at once
                .doOnTerminate(() -> creating.set(false))
                .toFuture();
        return Mono.fromFuture(committed, true).then(Mono.fromSupplier(() -> {
            CreateImageLayersResult r = result(run, layers);
            log.info("{}: created {} image layers ({} bytes) in {}s, processed {} out of {} partitions",
                    timeline.name(), r.stats().imageLayers(), r.stats().bytes(), r.stats().elapsed().toMillis() / 1e3,
                    r.stats().partitionsProcessed(), r.stats().partitionsTotal());
            return r;
        }));
    }

    private CreateImageLayersResult result(Run run, List<WrittenLayer<ImageLayerSummary>> layers) {
        List<PersistentLayerDesc> created = layers.stream()
                .map(l -> new PersistentLayerDesc(l.name(), l.fileSize())).toList();
        long bytes = layers.stream().mapToLong(WrittenLayer::fileSize).sum();
        LastImageLayerCreationStatus status = run.yielded
                ? new LastImageLayerCreationStatus.Incomplete(run.lastPartitionProcessed.end().orElse(Key.MIN))
                : LastImageLayerCreationStatus.COMPLETE;
        return new CreateImageLayersResult(created, status, new ImageLayerCreationStats(run.total, run.processed,
                layers.size(), run.keys, bytes, Duration.ofNanos(System.nanoTime() - run.started)));
    }

    /** A failed or cancelled run: deletes its finished files, then lets the next run start. */
    private Mono<Void> abandon(Run run) {
        return Mono.defer(() -> {
            List<WrittenLayer<ImageLayerSummary>> layers = run.abandon();
            if (layers == null) {
                return Mono.empty();
            }
            return deleteNotInIndex(layers).doOnTerminate(() -> creating.set(false));
        });
    }

    /** Deletes layer files the index does not name (never one that is part of the timeline). */
    private Mono<Void> deleteNotInIndex(List<WrittenLayer<ImageLayerSummary>> layers) {
        return Flux.fromIterable(layers)
                .filter(l -> !timeline.indexPart().layerMetadata().containsKey(l.name()))
                .concatMap(l -> timeline.writeContext().engine().deleteIfExists(l.path())
                        .onErrorResume(e -> {
                            log.warn("{}: could not remove {}: {}", timeline.name(), l.path(), e.toString());
                            return Mono.empty();
                        })
                        .then(), 0)
                .then();
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
