package io.strata.engine.compaction.gc;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.compaction.BatchWriterResult;
import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.FilterIterator;
import io.strata.engine.compaction.LayerSource;
import io.strata.engine.compaction.MergeBatch;
import io.strata.engine.compaction.MergeIterator;
import io.strata.engine.compaction.SplitDeltaLayerWriter;
import io.strata.engine.compaction.SplitImageLayerWriter;
import io.strata.engine.compaction.retention.AncestorImage;
import io.strata.engine.compaction.retention.DeltaWriterSink;
import io.strata.engine.compaction.retention.ImageWriterSink;
import io.strata.engine.compaction.retention.KeyRetentionGenerator;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.timeline.GcInfo;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.LayerMapChecks;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Neon's gc-compaction ({@code compact_with_gc} / {@code compact_with_gc_inner}): one job over a rectangle of keys
 * and LSNs, under the timeline's compaction lock.
 *
 * <ol>
 *   <li><b>Select</b>: the horizon is the job's LSN end clamped to the watermark (min of the planned GC cutoff and
 *       the applied one); the retain LSNs are the branch points and leases below it. Taken: every historic layer
 *       overlapping the key range with start at or above {@code min_layer_lsn} (the lowest start of a layer ending
 *       above the job's LSN start) and end at or below {@code max_layer_lsn} (the highest end of a layer starting at
 *       or below the horizon). Delta layers not inside the key range are rewritten.</li>
 *   <li><b>Check</b>: free disk space (twice the input with 20 % reserve), memory estimate, the too-many-rewrites
 *       guard, {@link LayerMapChecks#checkValidLayerMap} of the input.</li>
 *   <li><b>Generate</b>: the input's values, k-merged ({@link MergeIterator}, bounded buffers per layer) and filtered
 *       to Neon's gc-compaction key space ({@link FilterIterator}), are grouped per key; each key's history goes
 *       through {@link KeyRetentionGenerator#generateKeyRetention} (with the page below the compacted range when
 *       there is data below: a branch's ancestor, or the timeline below the job's LSN start) and is piped into an
 *       image writer at the lowest retain LSN (only without data below) and a delta writer over
 *       {@code [lowest retain LSN, max end)}; keys outside the key range go, unchanged, into before/after parts of
 *       the delta layer they came from.</li>
 *   <li><b>Swap</b>: the new layer map is checked again, then {@link Timeline#replaceHistoricLayers} writes the index
 *       and publishes the new snapshot at once; reads in flight finish on the snapshot they took. Image layers
 *       only partly inside the key range are kept; a produced layer whose name exists already is discarded (the
 *       old one is kept).</li>
 * </ol>
 * A dry run does all but write: nothing is created or changed, the statistics are produced. Failure, cancellation
 * or a yield for L0 removes every file the job created. Memory: the merge's buffers and one key's history.
 */
public final class GcCompaction {
    private static final Logger log = LoggerFactory.getLogger(GcCompaction.class);
    /** Neon's limit on one key's history held at once. */
    static final long MAX_ACCUMULATED_VALUES_SIZE = 512L << 20;
    /**
     * The merge's read-ahead in hops (about one planned read each: 1 MiB with the default settings), spread over the
     * inputs read at the same time. Inputs that do not share keys (the L1 layers of one LSN range) are read one at a
     * time, and four hops kept 3-6 reads at the device where fio's sequential figure keeps 4 at a steady rate; with 16
     * for such inputs, 8 alternating pairs of 2 GiB runs gave 1,246 against 1,141 MiB/s on average (faster in 6 of 8),
     * for a peak heap of 126-143 MiB against 58-77 (session 21).
     */
    public static final int MERGE_READ_AHEAD_HOPS = 16;
    /** Neon's {@code GC_COMPACT_MAX_SIZE_MB}: split jobs of about 4 GiB. */
    public static final long GC_COMPACT_MAX_SIZE_MB = 4 * 1024;

    private GcCompaction() {
    }

    /** Neon's {@code metadata_key_range}: the sparse keys. */
    public static KeyRange metadataKeyRange() {
        return new KeyRange(new Key(Key.METADATA_KEY_BEGIN_PREFIX, 0, 0, 0, 0, 0),
                new Key(Key.METADATA_KEY_END_PREFIX, 0, 0, 0, 0, 0));
    }

    /**
     * Neon's {@code collect_gc_compaction_keyspace}: everything but the AUX v1 key as dense keys, the metadata range
     * as sparse keys.
     */
    public static KeySpace[] gcCompactionKeyspace() {
        Key metadataBegin = metadataKeyRange().start();
        KeySpace dense = KeySpace.of(new KeyRange(Key.MIN, Key.AUX_FILES_KEY),
                new KeyRange(Key.AUX_FILES_KEY.next(), metadataBegin));
        return new KeySpace[] {dense, KeySpace.single(metadataKeyRange())};
    }

    /**
     * Neon's {@code get_gc_compaction_watermark}: the lowest LSN usable as the horizon, min(planned GC cutoff,
     * applied GC cutoff). Retain LSNs and leases are the job's business.
     */
    public static Lsn gcCompactionWatermark(Timeline t) {
        Lsn planned = t.gcInfo().minCutoff();
        Lsn applied = t.appliedGcCutoffLsn();
        return planned.compareTo(applied) <= 0 ? planned : applied;
    }

    /** {@link #compactWithGc(Timeline, CompactOptions, GcCompactionSettings, AlignedBufferPool)} with defaults. */
    public static Mono<GcCompactionResult> compactWithGc(Timeline timeline, CompactOptions options,
                                                         AlignedBufferPool pool) {
        return compactWithGc(timeline, options, GcCompactionSettings.defaults(), pool);
    }

    /**
     * Neon's {@code compact_with_gc}: one job, or with {@code subCompaction} the jobs
     * {@link #gcCompactionSplitJobs} makes, one after the other, under the compaction lock. After a full
     * compaction (all keys, from the bottom, not a dry run) the L2 LSN (the index's
     * {@code gc_compaction.last_completed_lsn}) becomes the horizon.
     */
    public static Mono<GcCompactionResult> compactWithGc(Timeline timeline, CompactOptions options,
                                                         GcCompactionSettings settings, AlignedBufferPool pool) {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(pool, "pool");
        long requested = System.nanoTime();
        return timeline.withCompactionLock("gc-compaction", () -> {
            GcCompactJob job = GcCompactJob.fromCompactOptions(options);
            boolean yieldForL0 = options.has(CompactFlags.YIELD_FOR_L0);
            if (!options.subCompaction()) {
                return new Job(timeline, job, settings, pool, yieldForL0, requested).run();
            }
            log.info("{}: running gc-compaction with sub-compaction, splitting compaction jobs", timeline.name());
            List<GcCompactJob> jobs = gcCompactionSplitJobs(timeline, job, options.subCompactionMaxJobSizeMb(),
                    defaultPartitioning(timeline.layers().map()));
            List<CompactionStatistics> stats = new ArrayList<>();
            List<PersistentLayerDesc> removed = new ArrayList<>();
            List<PersistentLayerDesc> added = new ArrayList<>();
            // as Neon, the sub-jobs' own outcomes (a yield included) do not stop the rest
            return Flux.fromIterable(jobs).index()
                    .concatMap(j -> {
                        log.info("{}: sub-compaction {}/{}: {}", timeline.name(), j.getT1() + 1, jobs.size(),
                                j.getT2());
                        return new Job(timeline, j.getT2(), settings, pool, yieldForL0, System.nanoTime()).run();
                    }, 0)
                    .doOnNext(r -> {
                        stats.addAll(r.statistics());
                        removed.addAll(r.removed());
                        added.addAll(r.added());
                    })
                    .then(Mono.fromSupplier(() -> new GcCompactionResult(CompactionOutcome.DONE, stats, removed,
                            added)));
        });
    }

    // ------------------------------------------------------------------------------------------------ split jobs

    /**
     * The partitions {@link #gcCompactionSplitJobs} cuts at when the timeline has no partitioning of its own (Strata
     * has no {@code collect_keyspace}: values are opaque): the dense key space cut at every key-range boundary of a
     * non-L0 historic layer, then the metadata range.
     */
    public static List<KeyRange> defaultPartitioning(LayerMap map) {
        KeyRange metadata = metadataKeyRange();
        java.util.TreeSet<Key> cuts = new java.util.TreeSet<>();
        for (PersistentLayerDesc d : map.historicLayers()) {
            if (d.isL0()) {
                continue;
            }
            for (Key k : new Key[] {d.keyRange().start(), d.keyRange().end()}) {
                if (k.compareTo(Key.MIN) > 0 && k.compareTo(metadata.start()) < 0) {
                    cuts.add(k);
                }
            }
        }
        List<KeyRange> out = new ArrayList<>();
        Key prev = Key.MIN;
        for (Key c : cuts) {
            out.add(new KeyRange(prev, c));
            prev = c;
        }
        out.add(new KeyRange(prev, metadata.start()));
        out.add(metadata);
        return out;
    }

    /**
     * Neon's {@code gc_compaction_split_jobs}: cuts {@code job} at partition boundaries into jobs of about
     * {@code maxJobSizeMb} (default {@link #GC_COMPACT_MAX_SIZE_MB}) of layers overlapping them and starting at or
     * below the horizon; each job's end is extended to the end of at least one layer, the last one to the job's end;
     * an empty range joins the previous job. The LSN range end becomes the horizon (the watermark when not given),
     * so the jobs together act as a full compaction of the key range. Empty when there is no watermark yet.
     */
    public static List<GcCompactJob> gcCompactionSplitJobs(Timeline timeline, GcCompactJob job,
                                                           OptionalLong maxJobSizeMb, List<KeyRange> partitions) {
        Lsn compactBelowLsn = !job.compactLsnRange().end().equals(Lsn.MAX) ? job.compactLsnRange().end()
                : gcCompactionWatermark(timeline);
        if (compactBelowLsn.equals(Lsn.INVALID)) {
            log.warn("{}: no layers to compact with gc: gc_cutoff not generated yet, skipping gc bottom-most "
                    + "compaction", timeline.name());
            return List.of();
        }
        long maxSize = maxJobSizeMb.orElse(GC_COMPACT_MAX_SIZE_MB) * 1024 * 1024;
        List<KeyRange> splitKeyRanges = new ArrayList<>();
        for (KeyRange r : partitions) {
            KeyRange t = r.intersect(job.compactKeyRange());
            if (t.start().compareTo(t.end()) < 0) {
                splitKeyRanges.add(t);
            }
        }
        splitKeyRanges.sort(Comparator.comparing(KeyRange::start).thenComparing(KeyRange::end));
        List<PersistentLayerDesc> allLayers = List.copyOf(timeline.layers().map().historicLayers());
        List<GcCompactJob> jobs = new ArrayList<>();
        Key currentStart = null;
        int n = splitKeyRanges.size();
        for (int idx = 0; idx < n; idx++) {
            KeyRange range = splitKeyRanges.get(idx);
            if (currentStart == null) {
                currentStart = range.start();
            }
            Key start = currentStart;
            Key end = range.end();
            if (start.compareTo(end) >= 0) {
                continue; // already taken by an extended job
            }
            KeyRange searched = new KeyRange(start, end);
            long totalSize = 0;
            Key extendedEnd = null;
            for (PersistentLayerDesc l : allLayers) {
                if (l.keyRange().overlaps(searched) && l.lsnStart().compareTo(compactBelowLsn) <= 0) {
                    totalSize += l.fileSize();
                    if (extendedEnd == null || l.keyRange().end().compareTo(extendedEnd) < 0) {
                        extendedEnd = l.keyRange().end();
                    }
                }
            }
            boolean last = idx == n - 1;
            if (totalSize > maxSize || last) {
                if (extendedEnd != null && extendedEnd.compareTo(end) > 0) {
                    end = extendedEnd; // at least one whole layer
                }
                if (last && job.compactKeyRange().end().compareTo(end) > 0) {
                    end = job.compactKeyRange().end();
                }
                if (totalSize == 0 && !jobs.isEmpty()) {
                    GcCompactJob prev = jobs.remove(jobs.size() - 1);
                    jobs.add(new GcCompactJob(prev.dryRun(), new KeyRange(prev.compactKeyRange().start(), end),
                            prev.compactLsnRange()));
                    log.info("splitting compaction job: {}..{}, estimated_size={}, extending the previous job", start,
                            end, totalSize);
                } else {
                    jobs.add(new GcCompactJob(job.dryRun(), new KeyRange(start, end),
                            new CompactLsnRange(job.compactLsnRange().start(), compactBelowLsn)));
                    log.info("splitting compaction job: {}..{}, estimated_size={}", start, end, totalSize);
                }
                currentStart = end;
            }
        }
        return jobs;
    }

    // ------------------------------------------------------------------------------------------------ one job

    /** Neon's {@code GcCompactionJobDescription}: the exact layers one job compacts. */
    record JobDescription(List<PersistentLayerDesc> selectedLayers, Lsn gcCutoff, List<Lsn> retainLsnsBelowHorizon,
                          Lsn maxLayerLsn, Lsn minLayerLsn, KeyRange compactionKeyRange,
                          List<PersistentLayerDesc> rewriteLayers) {
    }

    /** The layers being rewritten around a partial key range (Neon's {@code RewritingLayers}). */
    private static final class Rewriter {
        final LayerName source;
        DeltaLayerWriter before;
        DeltaLayerWriter after;

        Rewriter(LayerName source) {
            this.source = source;
        }
    }

    /** The state of one job; driven by one sequential pipeline. */
    private static final class Job {
        private final Timeline t;
        private final GcCompactJob job;
        private final GcCompactionSettings settings;
        private final AlignedBufferPool pool;
        private final boolean yieldForL0;
        private final long begin;
        private final CompactionStatistics stat = new CompactionStatistics();
        private final KeyRetentionGenerator generator;
        private LayerWriteContext ctx;
        private JobDescription desc;
        private boolean hasDataBelow;
        private Lsn lowestRetainLsn;
        private Lsn historyLsnPoint;
        private SplitDeltaLayerWriter deltaWriter;
        private SplitImageLayerWriter imageWriter;
        private final Map<LayerName, Rewriter> rewriters = new LinkedHashMap<>();
        /** Finished files not (yet) in the timeline: removed on failure. */
        private final List<WrittenLayer<?>> created = new ArrayList<>();
        private volatile boolean swapping;
        /** A file creation or finish in progress, which a cancel does not stop (cleanup waits for it). */
        private volatile CompletableFuture<Void> pendingOp = CompletableFuture.completedFuture(null);
        private final List<LayerEntry> accumulated = new ArrayList<>();
        private long accumulatedSize;
        private Key lastKey;
        private boolean yielded;
        private long timer;
        private long timeToFirstKv = -1;

        Job(Timeline t, GcCompactJob job, GcCompactionSettings settings, AlignedBufferPool pool, boolean yieldForL0,
            long requested) {
            this.t = t;
            this.job = job;
            this.settings = settings;
            this.pool = pool;
            this.yieldForL0 = yieldForL0;
            this.begin = requested;
            this.generator = new KeyRetentionGenerator(t.walRedo());
            stat.timeAcquireLockSecs = secs(System.nanoTime() - requested);
            this.timer = System.nanoTime();
        }

        Mono<GcCompactionResult> run() {
            log.info("{}: running gc-compaction, dry_run={}, compact_key_range={}, compact_lsn_range={}..{}",
                    t.name(), job.dryRun(), job.compactKeyRange(), job.compactLsnRange().start(),
                    job.compactLsnRange().end());
            LayerSnapshot snapshot = t.layers();
            CompactionOutcome nothingToDo = select(snapshot.map());
            if (nothingToDo != null) {
                return Mono.just(GcCompactionResult.of(nothingToDo));
            }
            ctx = job.dryRun() ? null : t.writeContext();
            return checks()
                    .then(Mono.defer(() -> generate(snapshot)))
                    .flatMap(outcome -> outcome != CompactionOutcome.DONE
                            ? cleanup().thenReturn(GcCompactionResult.of(outcome))
                            : finishAndSwap())
                    .onErrorResume(e -> cleanup().then(Mono.error(e)))
                    .doOnCancel(() -> cleanup().subscribe());
        }

        // ---------------------------------------------------------------------------------------- step 0

        /** Fills {@link #desc}; returns the outcome when there is nothing to do, else null. */
        private CompactionOutcome select(LayerMap map) {
            GcInfo info = t.gcInfo();
            Lsn realGcCutoff = gcCompactionWatermark(t);
            CompactLsnRange lsnRange = job.compactLsnRange();
            KeyRange keyRange = job.compactKeyRange();
            Lsn gcCutoff;
            if (lsnRange.end().equals(Lsn.MAX)) {
                if (realGcCutoff.equals(Lsn.INVALID)) {
                    log.warn("{}: no layers to compact with gc: gc_cutoff not generated yet, skipping gc bottom-most "
                            + "compaction", t.name());
                    return CompactionOutcome.SKIPPED;
                }
                gcCutoff = realGcCutoff;
            } else {
                gcCutoff = lsnRange.end();
            }
            if (gcCutoff.compareTo(realGcCutoff) > 0) {
                log.warn("{}: provided compact_lsn_range.end={} is larger than the real_gc_cutoff={}, using the real "
                        + "gc cutoff", t.name(), gcCutoff, realGcCutoff);
                gcCutoff = realGcCutoff;
            }
            Lsn cut = t.gcRemovedHistoryBelow();
            if (realGcCutoff.isValid() && gcCutoff.isBefore(cut)) {
                // the history between the horizon and the cut may lack its base: images made there could be wrong,
                // and records above the horizon could not be checked. Skipped, not failed: the sub-jobs of a job
                // over all LSNs carry the watermark as an explicit end, and nothing is wrong with the timeline
                log.warn("{}: no layers to compact with gc: horizon {} (compact_lsn_range {}..{}) is below the GC "
                                + "cutoff {} up to which legacy GC has removed layers (a key's history there may have "
                                + "lost its base)",
                        t.name(), gcCutoff, lsnRange.start(), lsnRange.end(), cut);
                return CompactionOutcome.SKIPPED;
            }
            List<Lsn> retain = new ArrayList<>();
            for (GcInfo.RetainLsn r : info.retainLsns()) {
                if (r.lsn().compareTo(gcCutoff) < 0) {
                    retain.add(r.lsn());
                }
            }
            for (Lsn l : info.leases().keySet()) {
                if (l.compareTo(gcCutoff) < 0) {
                    retain.add(l);
                }
            }
            retain.sort(Comparator.naturalOrder());
            List<PersistentLayerDesc> historic = List.copyOf(map.historicLayers());
            Lsn maxLayerLsn = null;
            for (PersistentLayerDesc d : historic) {
                if (d.lsnStart().compareTo(gcCutoff) <= 0 && (maxLayerLsn == null
                        || d.lsnEnd().compareTo(maxLayerLsn) > 0)) {
                    maxLayerLsn = d.lsnEnd();
                }
            }
            if (maxLayerLsn == null) {
                log.info("{}: no layers to compact with gc: no historic layers below gc_cutoff, gc_cutoff={}",
                        t.name(), gcCutoff);
                return CompactionOutcome.DONE;
            }
            Lsn minLayerLsn = null;
            for (PersistentLayerDesc d : historic) {
                boolean above = lsnRange.start().equals(Lsn.INVALID) || d.lsnEnd().compareTo(lsnRange.start()) > 0;
                if (above && (minLayerLsn == null || d.lsnStart().compareTo(minLayerLsn) < 0)) {
                    minLayerLsn = d.lsnStart();
                }
            }
            if (minLayerLsn == null) {
                log.info("{}: no layers to compact with gc: no historic layers above compact_above_lsn={}", t.name(),
                        lsnRange.start());
                return CompactionOutcome.DONE;
            }
            List<PersistentLayerDesc> selected = new ArrayList<>();
            List<PersistentLayerDesc> rewrite = new ArrayList<>();
            for (PersistentLayerDesc d : historic) {
                if (d.lsnEnd().compareTo(maxLayerLsn) <= 0 && d.lsnStart().compareTo(minLayerLsn) >= 0
                        && d.keyRange().overlaps(keyRange)) {
                    selected.add(d);
                    if (d.isDelta() && !fullyContains(keyRange, d.keyRange())) {
                        rewrite.add(d);
                    }
                }
            }
            if (selected.isEmpty()) {
                log.info("{}: no layers to compact with gc: no layers within the key range, gc_cutoff={}, "
                        + "key_range={}", t.name(), gcCutoff, keyRange);
                return CompactionOutcome.DONE;
            }
            Lsn selectedEnd = selected.stream().map(PersistentLayerDesc::lsnEnd).max(Comparator.naturalOrder())
                    .orElseThrow();
            if (gcCutoff.compareTo(selectedEnd) >= 0) {
                // No selected layer holds the horizon: legacy GC removed the layers up to its cutoff (an explicit
                // compact_lsn_range.end can be below that), or the layers reaching it hold other keys only (a key
                // range job). The selected keys have nothing between the selected layers and the horizon (every
                // layer starting at or below it is selected when it overlaps the key range), so the horizon moves
                // down to the last LSN the selected layers can hold: an image the retention makes at the horizon
                // must fall inside the output delta layers' range, which ends where the selected layers end (Neon
                // writes it past its delta layer's end; found by the model checker, soak seed 15, and
                // ConcurrentReadersTest seed 21 for a key range job).
                Lsn last = selectedEnd.saturatingSub(1);
                log.info("{}: gc_cutoff={} is at or above the selected layers' end {} (no selected layer holds it), "
                        + "using {}", t.name(), gcCutoff, selectedEnd, last);
                gcCutoff = last;
                Lsn horizon = gcCutoff;
                retain.removeIf(l -> l.compareTo(horizon) >= 0);
            }
            desc = new JobDescription(selected, gcCutoff, retain, maxLayerLsn, minLayerLsn, keyRange, rewrite);
            if (!lsnRange.start().equals(Lsn.INVALID)) {
                // compacting above an LSN: what is below comes from the read path, as if it were a branch point
                hasDataBelow = true;
                lowestRetainLsn = minLayerLsn;
                // the page just below the compacted layers (the merge has what is at min_layer_lsn itself);
                // never below the branch point, where the child's reads go to the ancestor anyway
                Lsn below = minLayerLsn.saturatingSub(1);
                historyLsnPoint = t.ancestor().isPresent() && below.isBefore(t.ancestor().get().lsn())
                        ? t.ancestor().get().lsn() : below;
            } else if (t.ancestor().isPresent()) {
                hasDataBelow = true;
                lowestRetainLsn = t.ancestor().get().lsn();
                historyLsnPoint = lowestRetainLsn;
            } else {
                hasDataBelow = false;
                lowestRetainLsn = retain.isEmpty() ? gcCutoff : retain.get(0);
            }
            log.info("{}: picked {} layers for compaction ({} layers need rewriting) with max_layer_lsn={} "
                            + "min_layer_lsn={} gc_cutoff={} lowest_retain_lsn={}, key_range={}, has_data_below={}",
                    t.name(), selected.size(), rewrite.size(), maxLayerLsn, minLayerLsn, gcCutoff, lowestRetainLsn,
                    keyRange, hasDataBelow);
            stat.timeAnalyzeSecs = secs(System.nanoTime() - timer);
            timer = System.nanoTime();
            return null;
        }

        // ---------------------------------------------------------------------------------------- step 0.5

        private Mono<Void> checks() {
            return checkCompactionSpace().then(Mono.fromRunnable(() -> {
                checkMemoryUsage(desc.selectedLayers());
                int selected = desc.selectedLayers().size();
                if (selected > 100 && desc.rewriteLayers().size() >= selected * 0.7) {
                    throw new GcCompactionException("too many layers to rewrite: " + desc.rewriteLayers().size()
                            + " / " + selected + ", giving up compaction");
                }
                for (PersistentLayerDesc d : desc.selectedLayers()) {
                    if (d.isDelta()) {
                        stat.visitDeltaLayer(d.fileSize());
                    } else {
                        stat.visitImageLayer(d.fileSize());
                    }
                }
                List<LayerName> names = desc.selectedLayers().stream().map(PersistentLayerDesc::name).toList();
                LayerMapChecks.checkValidLayerMap(names).ifPresent(err -> {
                    throw new GcCompactionException("gc-compaction layer map check failed because " + err
                            + ", cannot proceed with compaction due to potential data loss");
                });
            }));
        }

        /**
         * Neon's {@code check_compaction_space}: the output is at most the input's size, which must fit in 80 % of
         * the free space of the timeline's file system (all layers are local here: none to download).
         */
        private Mono<Void> checkCompactionSpace() {
            long allLayerSize = desc.selectedLayers().stream().mapToLong(PersistentLayerDesc::fileSize).sum();
            return Mono.fromCallable(() -> Files.getFileStore(t.directory()).getUsableSpace())
                    .subscribeOn(Schedulers.boundedElastic()) // a statvfs: may block
                    .onErrorMap(IOException.class, e -> new GcCompactionException("statvfs failed: " + e, e))
                    .flatMap(available -> {
                        long allocated = (long) (available * 0.8);
                        if (allLayerSize > allocated) {
                            return Mono.error(new GcCompactionException("not enough space for compaction: "
                                    + "available_space=" + available + ", allocated_space=" + allocated
                                    + ", all_layer_size=" + allLayerSize + ", remote_layer_size=0, required_space="
                                    + allLayerSize));
                        }
                        return Mono.empty();
                    });
        }

        // ---------------------------------------------------------------------------------------- step 1-2

        /** The main loop; DONE, or YIELD_FOR_L0 when it gave up. */
        private Mono<CompactionOutcome> generate(LayerSnapshot snapshot) {
            if (shouldYield()) {
                log.info("{}: preempt gc-compaction when downloading layers: too many L0 layers", t.name());
                return Mono.just(CompactionOutcome.YIELD_FOR_L0);
            }
            List<LayerSource> sources = new ArrayList<>();
            for (PersistentLayerDesc d : desc.selectedLayers()) {
                ReadableLayer r = snapshot.persistent().get(d.name());
                if (!(r instanceof PersistentLayer p)) {
                    return Mono.error(new IllegalStateException(t.name() + ": layer " + d.name()
                            + " is in the layer map but not open"));
                }
                sources.add(LayerSource.of(p));
            }
            KeySpace[] ks = gcCompactionKeyspace();
            IteratorOptions readAhead = mergeIteratorOptions(settings.iterator(), desc.selectedLayers());
            log.info("{}: merging {} layers, {} hops of reads in flight per layer", t.name(), sources.size(),
                    readAhead.hopsInFlight());
            FilterIterator merge = FilterIterator.create(
                    MergeIterator.createWithOptions(sources, pool, readAhead), ks[0], ks[1]);
            stat.timeDownloadLayerSecs = secs(System.nanoTime() - timer);
            timer = System.nanoTime();
            Lsn endLsn = desc.selectedLayers().stream().map(PersistentLayerDesc::lsnEnd).max(Comparator.naturalOrder())
                    .orElseThrow();
            if (!job.dryRun()) {
                if (!hasDataBelow) {
                    imageWriter = new SplitImageLayerWriter(ctx, desc.compactionKeyRange().start(), lowestRetainLsn,
                            settings.compactionTargetSize(), ImageCompressionAlgorithm.DISABLED);
                }
                // nothing is put below the lowest retain LSN; when every input ends below it (images only), the
                // range is still a valid one and the writer stays empty
                Lsn deltaEnd = endLsn.compareTo(lowestRetainLsn) > 0 ? endLsn : lowestRetainLsn.add(1);
                deltaWriter = new SplitDeltaLayerWriter(ctx, lowestRetainLsn, deltaEnd,
                        settings.compactionTargetSize());
            }
            return merge.batches()
                    .concatMap(this::onBatch, 0)
                    .takeUntil(done -> yielded)
                    .then(Mono.defer(() -> {
                        if (yielded) {
                            log.info("{}: preempt gc-compaction in the main loop: too many L0 layers", t.name());
                            return Mono.just(CompactionOutcome.YIELD_FOR_L0);
                        }
                        if (lastKey == null) {
                            return Mono.error(new GcCompactionException("no keys produced during compaction"));
                        }
                        return flushKey().then(Mono.fromSupplier(() -> {
                            stat.timeMainLoopSecs = secs(System.nanoTime() - timer);
                            timer = System.nanoTime();
                            return CompactionOutcome.DONE;
                        }));
                    }));
        }

        /** Neon's L0 trigger: L0 compaction is due. */
        private boolean shouldYield() {
            return yieldForL0 && t.isStored()
                    && t.layers().map().level0Deltas().size() >= t.config().compactionThreshold();
        }

        /** Emits once per batch (true), after every item of it is handled. */
        private Mono<Boolean> onBatch(MergeBatch batch) {
            if (timeToFirstKv < 0) {
                timeToFirstKv = System.nanoTime() - timer;
                stat.timeToFirstKvPairSecs = secs(timeToFirstKv);
                timer = System.nanoTime();
            }
            if (shouldYield()) {
                yielded = true;
                return Mono.just(true);
            }
            return Flux.range(0, batch.size()).concatMap(i -> onItem(batch, i), 0).then(Mono.just(true));
        }

        private Mono<Void> onItem(MergeBatch batch, int i) {
            Key key = batch.key(i);
            Lsn lsn = batch.lsn(i);
            Value val = batch.value(i);
            if (!desc.compactionKeyRange().contains(key)) {
                LayerName from = batch.layer(i);
                if (!from.isDelta() || job.dryRun()) {
                    return Mono.empty();
                }
                return rewrite(from, key, lsn, val);
            }
            stat.visitKey(val);
            if (lastKey == null || lastKey.equals(key)) {
                lastKey = key;
                return accumulate(key, lsn, val);
            }
            return flushKey().then(Mono.defer(() -> {
                lastKey = key;
                return accumulate(key, lsn, val);
            }));
        }

        private Mono<Void> accumulate(Key key, Lsn lsn, Value val) {
            accumulated.add(new LayerEntry(key, lsn, val));
            accumulatedSize += CompactionStatistics.estimatedSizeOfValue(val) + Key.KEY_SIZE;
            if (accumulatedSize >= MAX_ACCUMULATED_VALUES_SIZE) {
                return Mono.error(new GcCompactionException("too many values for a single key: " + accumulatedSize
                        + " for key " + key + ", " + accumulated.size() + " items"));
            }
            return Mono.empty();
        }

        /** Generates and writes the retention of {@link #lastKey} from its accumulated history. */
        private Mono<Void> flushKey() {
            Key key = lastKey;
            List<LayerEntry> history = List.copyOf(accumulated);
            accumulated.clear();
            accumulatedSize = 0;
            stat.onUniqueKeyVisited();
            return ancestorImage(key)
                    .flatMap(base -> generator.generateKeyRetention(key, history, desc.gcCutoff(),
                            desc.retainLsnsBelowHorizon(), KeyRetentionGenerator.COMPACTION_DELTA_THRESHOLD, base,
                            settings.gcCompactionVerification()))
                    .onErrorMap(e -> !(e instanceof GcCompactionException),
                            e -> new GcCompactionException("failed to generate key retention for " + key + ": " + e, e))
                    .flatMap(retention -> retention.pipeTo(key, deltaSink(), imageSink()));
        }

        /** Neon's {@code get_ancestor_image}: the page below the compacted range, when there is data below. */
        private Mono<Optional<AncestorImage>> ancestorImage(Key key) {
            if (!hasDataBelow) {
                return Mono.just(Optional.empty());
            }
            return t.getForCompaction(key, historyLsnPoint)
                    .map(img -> Optional.of(new AncestorImage(key, historyLsnPoint, img)))
                    .defaultIfEmpty(Optional.empty());
        }

        private DeltaWriterSink deltaSink() {
            return (key, lsn, value) -> {
                stat.produceKey(value);
                return deltaWriter == null ? Mono.empty() : deltaWriter.putValue(key, lsn, value);
            };
        }

        private Optional<ImageWriterSink> imageSink() {
            if (hasDataBelow) {
                return Optional.empty();
            }
            return Optional.of((key, img) -> {
                stat.produceImageKey(img);
                return imageWriter == null ? Mono.empty() : imageWriter.putImage(key, img);
            });
        }

        /** A key outside the key range: into the before or after part of its delta layer. */
        private Mono<Void> rewrite(LayerName from, Key key, Lsn lsn, Value val) {
            Rewriter r = rewriters.computeIfAbsent(from, Rewriter::new);
            boolean before = key.compareTo(desc.compactionKeyRange().start()) < 0;
            DeltaLayerWriter w = before ? r.before : r.after;
            Mono<DeltaLayerWriter> writer;
            if (w != null) {
                writer = Mono.just(w);
            } else {
                Key start = before ? from.keyRange().start() : desc.compactionKeyRange().end();
                writer = uncancellable(DeltaLayerWriter.create(ctx, start, from.lsnStart(), from.lsnEnd())
                        .doOnNext(nw -> {
                            if (before) {
                                r.before = nw;
                            } else {
                                r.after = nw;
                            }
                        }).then()).then(Mono.fromSupplier(() -> before ? r.before : r.after));
            }
            return writer.flatMap(dw -> dw.putValue(key, lsn, val));
        }

        /**
         * Runs {@code op} (creating or finishing a file) to its end even if the job is cancelled meanwhile, so that
         * {@link #cleanup} knows every file: it waits for it.
         */
        private Mono<Void> uncancellable(Mono<Void> op) {
            CompletableFuture<Void> f = op.toFuture();
            pendingOp = f;
            return Mono.fromFuture(f, true);
        }

        // ---------------------------------------------------------------------------------------- step 3

        private Mono<GcCompactionResult> finishAndSwap() {
            if (job.dryRun()) {
                finishStats();
                log.info("{}: gc-compaction statistics (dry run): {}", t.name(), stat.toJson());
                return Mono.just(new GcCompactionResult(CompactionOutcome.DONE, List.of(stat), List.of(), List.of()));
            }
            List<WrittenLayer<?>> rewritten = new ArrayList<>();
            Mono<Void> finishRewriters = Flux.fromIterable(new ArrayList<>(rewriters.values()))
                    .concatMap(r -> {
                        Mono<Void> b = r.before == null ? Mono.empty() : uncancellable(
                                r.before.finish(desc.compactionKeyRange().start()).doOnNext(l -> {
                                    r.before = null;
                                    created.add(l);
                                    rewritten.add(l);
                                }).then());
                        Mono<Void> a = Mono.defer(() -> {
                            if (r.after == null) {
                                return Mono.empty();
                            }
                            return uncancellable(r.after.finish(r.source.keyRange().end()).doOnNext(l -> {
                                r.after = null;
                                created.add(l);
                                rewritten.add(l);
                            }).then());
                        });
                        return b.then(a);
                    }, 0)
                    .then();
            Set<LayerName> current = new HashSet<>();
            t.layers().map().historicLayers().forEach(d -> current.add(d.name()));
            java.util.function.Predicate<LayerName> discard = name -> discardKey(name, current);
            Mono<List<BatchWriterResult>> images = imageWriter == null ? Mono.just(List.of())
                    : uncancellableList(imageWriter.finishWithDiscardFn(desc.compactionKeyRange().end(), discard));
            Mono<List<BatchWriterResult>> deltas = uncancellableList(deltaWriter.finishWithDiscardFn(discard));
            return finishRewriters
                    .then(images.zipWith(deltas))
                    .flatMap(results -> swap(rewritten, results.getT1(), results.getT2()));
        }

        private Mono<List<BatchWriterResult>> uncancellableList(Mono<List<BatchWriterResult>> finish) {
            List<BatchWriterResult> out = new ArrayList<>();
            return uncancellable(finish.doOnNext(rs -> {
                for (BatchWriterResult r : rs) {
                    if (r instanceof BatchWriterResult.Produced p) {
                        created.add(p.layer());
                    }
                }
                out.addAll(rs);
            }).then()).then(Mono.fromSupplier(() -> out));
        }

        /**
         * Neon's {@code discard_key}: an L0 is never produced; a layer whose name the timeline has already is not
         * written and the existing one kept. (Neon keeps one of an older generation and rewrites it; here the
         * existing file is kept in both cases: a same-named layer has the same coverage and the history it holds
         * was valid, and replacing a file under the same name would need the old generation's file removed.)
         */
        private boolean discardKey(LayerName name, Set<LayerName> current) {
            if (LayerMap.isL0(name.keyRange(), name.isDelta())) {
                return true;
            }
            if (current.contains(name)) {
                log.info("{}: discard layer {} due to duplicated layer key", t.name(), name);
                return true;
            }
            return false;
        }

        /**
         * Whether keeping an existing delta layer instead of the same-named one this job produced would lose data.
         * The produced layer holds every value of its keys from all the selected layers; the existing one only its
         * own. When another selected layer over the same keys is removed, its values (for example the images of an
         * image layer at the lowest LSN of a job that has data below, which that job folds into its deltas) were only
         * in the discarded layer (values at or below the lowest retain LSN of a bottom-most job are in its new image
         * layers instead). Neon keeps the existing layer regardless (its same-generation rule assumes the
         * same name means the same content); Strata refuses the result then. Image layers are not checked: an image
         * layer holds every page of its key range at its LSN, so a same-named one has the same pages.
         */
        private Optional<String> discardLosesData(List<LayerName> keptDeltas, List<PersistentLayerDesc> removed) {
            for (LayerName kept : keptDeltas) {
                for (PersistentLayerDesc d : removed) {
                    // a bottom-most job turns everything at or below the lowest retain LSN into its image layers
                    boolean inNewImages = imageWriter != null && !d.lsnEnd().isAfter(lowestRetainLsn.add(1));
                    if (!inNewImages && d.keyRange().overlaps(kept.keyRange())) {
                        return Optional.of("produced delta layer " + kept + " has the name of an existing layer, "
                                + "which holds only its own values, while " + d.name() + " over the same keys is "
                                + "removed");
                    }
                }
            }
            return Optional.empty();
        }

        private Mono<GcCompactionResult> swap(List<WrittenLayer<?>> rewritten, List<BatchWriterResult> images,
                                              List<BatchWriterResult> deltas) {
            Map<LayerName, PersistentLayerDesc> selectionByName = new HashMap<>();
            desc.selectedLayers().forEach(d -> selectionByName.put(d.name(), d));
            Set<LayerName> keep = new HashSet<>();
            List<LayerName> keptDeltas = new ArrayList<>();
            List<WrittenLayer<?>> compactTo = new ArrayList<>();
            for (BatchWriterResult r : deltas) {
                if (r instanceof BatchWriterResult.Produced p) {
                    stat.produceDeltaLayer(p.layer().fileSize());
                    compactTo.add(p.layer());
                } else {
                    PersistentLayerDesc d = selectionByName.get(r.name());
                    if (d == null) {
                        log.warn("{}: discarded delta layer not in layer_selection: {}, produced a layer outside of "
                                + "the compaction key range?", t.name(), r.name());
                    }
                    stat.discardDeltaLayer(d == null ? 0 : d.fileSize());
                    keep.add(r.name());
                    keptDeltas.add(r.name());
                }
            }
            for (WrittenLayer<?> l : rewritten) {
                stat.produceDeltaLayer(l.fileSize());
            }
            compactTo.addAll(rewritten);
            for (BatchWriterResult r : images) {
                if (r instanceof BatchWriterResult.Produced p) {
                    stat.produceImageLayer(p.layer().fileSize());
                    compactTo.add(p.layer());
                } else {
                    PersistentLayerDesc d = selectionByName.get(r.name());
                    if (d == null) {
                        log.warn("{}: discarded image layer not in layer_selection: {}", t.name(), r.name());
                    }
                    stat.discardImageLayer(d == null ? 0 : d.fileSize());
                    keep.add(r.name());
                }
            }
            // image layers only partly inside the key range hold data outside it that was not processed: kept
            for (PersistentLayerDesc d : desc.selectedLayers()) {
                if (!d.isDelta()) {
                    if (!d.keyRange().overlaps(desc.compactionKeyRange())) {
                        return Mono.error(new GcCompactionException(
                                "violated constraint: image layer outside of compaction key range"));
                    }
                    if (!fullyContains(desc.compactionKeyRange(), d.keyRange())) {
                        keep.add(d.name());
                    }
                }
            }
            List<PersistentLayerDesc> layerSelection = desc.selectedLayers().stream()
                    .filter(d -> !keep.contains(d.name())).toList();
            Optional<String> lost = discardLosesData(keptDeltas, layerSelection);
            if (lost.isPresent()) {
                return Mono.error(new GcCompactionException(t.name() + ": " + lost.get() + ", compaction result not "
                        + "applied to the layer map due to potential data loss"));
            }
            stat.timeFinalPhaseSecs = secs(System.nanoTime() - timer);
            finishStats();
            log.info("{}: gc-compaction statistics: {}", t.name(), stat.toJson());
            log.info("{}: produced {} layers, {} layers are kept", t.name(), compactTo.size(), keep.size());

            // the new layer map must still be one compactions could have made
            Set<LayerName> finalLayers = new HashSet<>();
            t.layers().map().historicLayers().forEach(d -> finalLayers.add(d.name()));
            layerSelection.forEach(d -> finalLayers.remove(d.name()));
            compactTo.forEach(l -> finalLayers.add(l.name()));
            Optional<String> err = LayerMapChecks.checkValidLayerMap(List.copyOf(finalLayers));
            if (err.isPresent()) {
                return Mono.error(new GcCompactionException("gc-compaction layer map check failed after compaction "
                        + "because " + err.get() + ", compaction result not applied to the layer map due to "
                        + "potential data loss"));
            }
            List<PersistentLayerDesc> added = compactTo.stream()
                    .map(l -> new PersistentLayerDesc(l.name(), l.fileSize())).toList();
            swapping = true;
            Optional<IndexPart.GcCompactionState> l2 = l2Lsn();
            return (l2.isPresent() ? t.replaceHistoricLayers(compactTo, layerSelection, l2.get())
                    : t.replaceHistoricLayers(compactTo, layerSelection))
                    .onErrorResume(e -> {
                        swapping = false; // refused before the index changed: the files are ours to remove
                        return Mono.error(e);
                    })
                    .doOnSuccess(x -> l2.ifPresent(s -> log.info("{}: l2_lsn updated to {}", t.name(),
                            s.lastCompletedLsn())))
                    .then(Mono.fromSupplier(() -> {
                        created.clear(); // the timeline's now
                        return new GcCompactionResult(CompactionOutcome.DONE, List.of(stat), layerSelection, added);
                    }));
        }

        /**
         * A full compaction (every key, from the bottom) makes its horizon the L2 LSN, written by the swap's own
         * index write (a second write after it used to wait for the fsync of the inputs' deletions).
         */
        private Optional<IndexPart.GcCompactionState> l2Lsn() {
            if (!job.compactKeyRange().equals(KeyRange.FULL) || !job.compactLsnRange().start().equals(Lsn.INVALID)) {
                return Optional.empty();
            }
            Lsn current = t.gcCompactionState().map(IndexPart.GcCompactionState::lastCompletedLsn)
                    .orElse(Lsn.INVALID);
            if (desc.gcCutoff().compareTo(current) < 0) {
                return Optional.empty();
            }
            return Optional.of(new IndexPart.GcCompactionState(desc.gcCutoff()));
        }

        private void finishStats() {
            stat.timeTotalSecs = secs(System.nanoTime() - begin);
            stat.finish();
        }

        /** Aborts the writers and removes every file created, unless the swap took them. */
        private Mono<Void> cleanup() {
            if (swapping) {
                return Mono.empty();
            }
            return Mono.fromFuture(pendingOp, true).onErrorResume(e -> Mono.empty()).then(Mono.defer(() -> {
                List<Mono<Void>> aborts = new ArrayList<>();
                if (deltaWriter != null) {
                    aborts.add(deltaWriter.abort());
                }
                if (imageWriter != null) {
                    aborts.add(imageWriter.abort());
                }
                for (Rewriter r : rewriters.values()) {
                    if (r.before != null) {
                        aborts.add(r.before.abort());
                    }
                    if (r.after != null) {
                        aborts.add(r.after.abort());
                    }
                }
                List<WrittenLayer<?>> files = List.copyOf(created);
                created.clear();
                return Flux.concat(aborts.stream().map(m -> m.onErrorResume(e -> Mono.empty())).toList())
                        .then(Flux.fromIterable(files)
                                .concatMap(f -> t.writeContext().engine().deleteIfExists(f.path())
                                        .onErrorResume(e -> {
                                            log.warn("{}: could not remove {}: {}", t.name(), f.path(), e.toString());
                                            return Mono.empty();
                                        }))
                                .then());
            }));
        }
    }

    /**
     * Neon's {@code check_memory_usage}: about 3 MiB per 256 MiB of delta layer and 5 MiB per 256 MiB of image
     * layer (integer division, as Neon's); more than 1 GiB in all gives up.
     */
    static void checkMemoryUsage(List<PersistentLayerDesc> layers) {
        double estimatedMb = 0;
        int images = 0;
        int deltas = 0;
        long target = 256L * 1024 * 1024;
        for (PersistentLayerDesc d : layers) {
            if (d.isDelta()) {
                estimatedMb += 3.0 * (d.fileSize() / target);
                deltas++;
            } else {
                estimatedMb += 5.0 * (d.fileSize() / target);
                images++;
            }
        }
        if (estimatedMb > 1024.0) {
            throw new GcCompactionException("estimated memory usage is too high: " + estimatedMb
                    + "MB, giving up compaction; num_image_layers=" + images + ", num_delta_layers=" + deltas);
        }
    }

    /**
     * The iterator options of a merge of {@code layers}: {@code base}, with more hops in flight per layer where few
     * layers share a key: {@link #MERGE_READ_AHEAD_HOPS} over the most layers that share one (the merge opens a layer
     * when it reaches the layer's first key and is done with it after its last, so only those are read at once),
     * never fewer than {@code base}'s. The decoded values held stay within what {@code base} allows for every layer
     * at once, or {@link #MERGE_READ_AHEAD_HOPS} hops.
     */
    static IteratorOptions mergeIteratorOptions(IteratorOptions base, List<PersistentLayerDesc> layers) {
        int spread = MERGE_READ_AHEAD_HOPS / Math.max(1, maxKeyOverlap(layers));
        if (spread <= base.hopsInFlight()) {
            return base;
        }
        return new IteratorOptions(base.maxReadSize(), base.maxBatchCount(), spread, base.maxReadSpan());
    }

    /** The largest number of {@code layers} whose key ranges share a key (0 for none). */
    static int maxKeyOverlap(List<PersistentLayerDesc> layers) {
        record Bound(Key key, int delta) {
        }
        List<Bound> bounds = new ArrayList<>(2 * layers.size());
        for (PersistentLayerDesc d : layers) {
            KeyRange r = d.name().keyRange();
            if (r.start().compareTo(r.end()) < 0) {
                bounds.add(new Bound(r.start(), 1));
                bounds.add(new Bound(r.end(), -1));
            }
        }
        // ranges end before their end key: at equal keys, ends go first
        bounds.sort(Comparator.comparing(Bound::key).thenComparingInt(Bound::delta));
        int open = 0;
        int max = 0;
        for (Bound b : bounds) {
            open += b.delta();
            max = Math.max(max, open);
        }
        return max;
    }

    /** Neon's {@code fully_contains}. */
    static boolean fullyContains(KeyRange outer, KeyRange inner) {
        return outer.start().compareTo(inner.start()) <= 0 && inner.end().compareTo(outer.end()) <= 0;
    }

    private static double secs(long nanos) {
        return nanos / 1e9;
    }
}
