package io.strata.engine.compaction.gc;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Neon's {@code GcCompactionQueue}: the gc-compaction jobs of one timeline, manual ones and those it triggers by
 * itself, run one item per {@link #iteration}. A meta job with sub-compaction is split
 * ({@link GcCompaction#gcCompactionSplitJobs}) into sub-jobs queued in front, followed by a notify item that tells
 * the caller, finishes the meta statistics and, for an automatic job, records the L2 LSN. Automatic jobs are
 * triggered when the queue is empty on a root timeline with a watermark: first once the L1 size (layers starting
 * above the L2 LSN and at or below the applied cutoff) reaches the initial threshold, then whenever L1/L2 reaches the
 * ratio, never above 150 GB; one automatic job at a time among the queues sharing a permit. Thread-safe.
 */
public final class GcCompactionQueue {
    private static final Logger log = LoggerFactory.getLogger(GcCompactionQueue.class);
    /** Neon's {@code AUTO_TRIGGER_LIMIT}: no automatic job above this physical size. */
    static final long AUTO_TRIGGER_LIMIT = 150L * 1024 * 1024 * 1024;

    /** Neon's {@code GcCompactionJobId}. */
    public record GcCompactionJobId(long id) {
        @Override
        public String toString() {
            return Long.toString(id);
        }
    }

    /** Neon's {@code GcCompactionQueueItem}. */
    public sealed interface GcCompactionQueueItem {
        /** A job as requested; {@code auto}: triggered by the queue (then the L2 LSN is updated). */
        record MetaJob(CompactOptions options, boolean auto) implements GcCompactionQueueItem {
        }

        /** Sub-job {@code i} of {@code total} of a split meta job. */
        record SubCompactionJob(int i, int total, CompactOptions options) implements GcCompactionQueueItem {
        }

        /** The end of meta job {@code id}: notify, and record the L2 LSN if given. */
        record Notify(GcCompactionJobId id, Optional<Lsn> l2Lsn) implements GcCompactionQueueItem {
        }
    }

    /** A queued item with its id. */
    public record Entry(GcCompactionJobId id, GcCompactionQueueItem item) {
    }

    /** A scheduled manual job: its id, and a Mono that completes when it has finished (fails if cancelled). */
    public record Scheduled(GcCompactionJobId id, Mono<Void> finished) {
    }

    /** Neon's {@code GcCompactionMetaStatistics} of the last split meta job. */
    public static final class GcCompactionMetaStatistics {
        long totalSubCompactionJobs;
        long failedSubCompactionJobs;
        long succeededSubCompactionJobs;
        long beforeCompactionLayerSize;
        long afterCompactionLayerSize;
        Instant startTime;
        Instant endTime;
        double durationSecs;
        GcCompactionJobId metaJobId;
        Lsn belowLsn = Lsn.INVALID;
        double retentionRatio;

        void finish() {
            endTime = Instant.now();
            if (startTime != null && endTime.isAfter(startTime)) {
                durationSecs = Duration.between(startTime, endTime).toNanos() / 1e9;
            }
            retentionRatio = afterCompactionLayerSize / (beforeCompactionLayerSize + 1.0);
        }

        public long totalSubCompactionJobs() {
            return totalSubCompactionJobs;
        }

        public long failedSubCompactionJobs() {
            return failedSubCompactionJobs;
        }

        public long succeededSubCompactionJobs() {
            return succeededSubCompactionJobs;
        }

        public long beforeCompactionLayerSize() {
            return beforeCompactionLayerSize;
        }

        public long afterCompactionLayerSize() {
            return afterCompactionLayerSize;
        }

        public Lsn belowLsn() {
            return belowLsn;
        }

        public double retentionRatio() {
            return retentionRatio;
        }

        /** Neon's field names. */
        public synchronized String toJson() {
            return "{\"total_sub_compaction_jobs\":" + totalSubCompactionJobs
                    + ",\"failed_sub_compaction_jobs\":" + failedSubCompactionJobs
                    + ",\"succeeded_sub_compaction_jobs\":" + succeededSubCompactionJobs
                    + ",\"before_compaction_layer_size\":" + beforeCompactionLayerSize
                    + ",\"after_compaction_layer_size\":" + afterCompactionLayerSize
                    + ",\"start_time\":" + (startTime == null ? "null" : "\"" + startTime + "\"")
                    + ",\"end_time\":" + (endTime == null ? "null" : "\"" + endTime + "\"")
                    + ",\"duration_secs\":" + durationSecs
                    + ",\"meta_job_id\":" + (metaJobId == null ? 0 : metaJobId.id())
                    + ",\"below_lsn\":\"" + belowLsn + "\""
                    + ",\"retention_ratio\":" + retentionRatio + "}";
        }
    }

    /** What a job holds until it is notified: the caller's signal, the automatic job's permit. */
    private static final class Guard {
        Sinks.Empty<Void> notify;
        boolean permit;
    }

    private final Object lock = new Object();
    private Entry running;
    private final Deque<Entry> queued = new ArrayDeque<>();
    private final Map<GcCompactionJobId, Guard> guards = new HashMap<>();
    private long lastId;
    private GcCompactionMetaStatistics metaStatistics;
    /** Neon's {@code consumer_lock}: one iteration at a time. */
    private final AtomicBoolean consuming = new AtomicBoolean();
    /** Neon's {@code CONCURRENT_GC_COMPACTION_TASKS}: shared by the queues of one engine. */
    private final Semaphore concurrentTasks;

    /** A queue with a permit of its own. */
    public GcCompactionQueue() {
        this(new Semaphore(1));
    }

    /** A queue whose automatic jobs take {@code concurrentTasks} (one permit: one automatic job at a time). */
    public GcCompactionQueue(Semaphore concurrentTasks) {
        this.concurrentTasks = Objects.requireNonNull(concurrentTasks, "concurrentTasks");
    }

    private GcCompactionJobId nextId() {
        return new GcCompactionJobId(lastId++);
    }

    /** Neon's {@code cancel_scheduled}: drops the queued items; callers waiting for them see a cancellation. */
    public void cancelScheduled() {
        List<Guard> dropped;
        synchronized (lock) {
            queued.clear();
            dropped = new ArrayList<>(guards.values());
            guards.clear();
        }
        for (Guard g : dropped) {
            release(g, new CancellationException("gc-compaction job cancelled"));
        }
    }

    /** Neon's {@code schedule_manual_compaction}: queued at the end; {@code finished} completes when it is done. */
    public Scheduled scheduleManualCompaction(CompactOptions options) {
        Objects.requireNonNull(options, "options");
        Sinks.Empty<Void> notify = Sinks.empty();
        GcCompactionJobId id;
        synchronized (lock) {
            id = nextId();
            queued.addLast(new Entry(id, new GcCompactionQueueItem.MetaJob(options, false)));
            guards.computeIfAbsent(id, x -> new Guard()).notify = notify;
        }
        log.info("scheduled compaction job id={}", id);
        return new Scheduled(id, notify.asMono());
    }

    private GcCompactionJobId scheduleAutoCompaction(CompactOptions options) {
        synchronized (lock) {
            GcCompactionJobId id = nextId();
            queued.addLast(new Entry(id, new GcCompactionQueueItem.MetaJob(options, true)));
            guards.computeIfAbsent(id, x -> new Guard()).permit = true;
            return id;
        }
    }

    /** Neon's {@code remaining_jobs}: the running item and the queued ones. */
    public List<Entry> remainingJobs() {
        synchronized (lock) {
            List<Entry> out = new ArrayList<>();
            if (running != null) {
                out.add(running);
            }
            out.addAll(queued);
            return out;
        }
    }

    public int remainingJobsNum() {
        synchronized (lock) {
            return queued.size() + (running != null ? 1 : 0);
        }
    }

    /** The statistics of the last split meta job, if any. */
    public Optional<GcCompactionMetaStatistics> metaStatistics() {
        synchronized (lock) {
            return Optional.ofNullable(metaStatistics);
        }
    }

    /** Neon's {@code trigger_compaction}: the initial threshold, then the size ratio, never above the cap. */
    static boolean triggerCompaction(long l1Size, long l2Size, long initialThresholdKb, long ratioPercent) {
        if (l1Size + l2Size >= AUTO_TRIGGER_LIMIT) {
            return false;
        }
        if (l2Size == 0 && l1Size >= initialThresholdKb * 1024) {
            log.info("trigger auto-compaction because l1_size={} >= gc_compaction_initial_threshold_kb={}", l1Size,
                    initialThresholdKb);
            return true;
        }
        if (l2Size == 0) {
            return false;
        }
        if ((double) l1Size / l2Size >= ratioPercent / 100.0) {
            log.info("trigger auto-compaction because l1_size={} / l2_size={} > gc_compaction_ratio_percent={}",
                    l1Size, l2Size, ratioPercent);
            return true;
        }
        return false;
    }

    /** Neon's {@code trigger_auto_compaction}; true when a job was scheduled. */
    public boolean triggerAutoCompaction(Timeline t, GcCompactionSettings settings) {
        if (!settings.gcCompactionEnabled() || remainingJobsNum() > 0 || t.ancestor().isPresent()
                || GcCompaction.gcCompactionWatermark(t).equals(Lsn.INVALID)) {
            return false;
        }
        if (!concurrentTasks.tryAcquire()) {
            return false;
        }
        Lsn l2Lsn = t.gcCompactionState().map(IndexPart.GcCompactionState::lastCompletedLsn).orElse(Lsn.INVALID);
        Lsn gcCutoff = t.appliedGcCutoffLsn();
        long l2Size = 0;
        long l1Size = 0;
        for (PersistentLayerDesc l : t.layers().map().historicLayers()) {
            if (l.lsnStart().compareTo(l2Lsn) <= 0) {
                l2Size += l.fileSize();
            } else if (l.lsnStart().compareTo(gcCutoff) <= 0) {
                l1Size += l.fileSize();
            }
        }
        if (!triggerCompaction(l1Size, l2Size, settings.gcCompactionInitialThresholdKb(),
                settings.gcCompactionRatioPercent())) {
            concurrentTasks.release();
            log.debug("did not trigger auto gc-compaction: l1_size={}, l2_size={}, l2_lsn={}, gc_cutoff={}", l1Size,
                    l2Size, l2Lsn, gcCutoff);
            return false;
        }
        EnumSet<CompactFlags> flags = EnumSet.of(CompactFlags.ENHANCED_GC_BOTTOM_MOST_COMPACTION);
        if (settings.compactionL0First()) {
            flags.add(CompactFlags.YIELD_FOR_L0);
        }
        // only the data key space, as Neon (neon#11318)
        scheduleAutoCompaction(new CompactOptions(flags, Optional.of(new CompactKeyRange(Key.MIN,
                GcCompaction.metadataKeyRange().start())), Optional.empty(), true, OptionalLong.empty()));
        log.info("scheduled auto gc-compaction: l1_size={}, l2_size={}, l2_lsn={}, gc_cutoff={}", l1Size, l2Size,
                l2Lsn, gcCutoff);
        return true;
    }

    private static long collectLayerBelowLsn(Timeline t, Lsn lsn) {
        long size = 0;
        for (PersistentLayerDesc l : t.layers().map().historicLayers()) {
            if (l.lsnStart().compareTo(lsn) <= 0) {
                size += l.fileSize();
            }
        }
        return size;
    }

    /** Neon's {@code notify_and_unblock}: tells the caller, releases the automatic job's permit. */
    private void notifyAndUnblock(GcCompactionJobId id) {
        log.info("compaction job id={} finished", id);
        Guard g;
        synchronized (lock) {
            g = guards.remove(id);
            if (metaStatistics != null && id.equals(metaStatistics.metaJobId)) {
                log.info("gc-compaction meta statistics for job id = {}: {}", id, metaStatistics.toJson());
            }
        }
        if (g != null) {
            release(g, null);
        }
    }

    private void release(Guard g, Throwable cause) {
        if (g.notify != null) {
            if (cause == null) {
                g.notify.tryEmitEmpty();
            } else {
                g.notify.tryEmitError(cause);
            }
        }
        if (g.permit) {
            concurrentTasks.release();
        }
    }

    private void clearRunningJob() {
        synchronized (lock) {
            running = null;
        }
    }

    /** Neon's {@code handle_sub_compaction}: splits a meta job into sub-jobs and a notify, queued in front. */
    private Mono<Void> handleSubCompaction(GcCompactionJobId id, CompactOptions options, Timeline t, boolean auto) {
        List<GcCompactJob> jobs;
        try {
            jobs = GcCompaction.gcCompactionSplitJobs(t, GcCompactJob.fromCompactOptions(options),
                    options.subCompactionMaxJobSizeMb(), GcCompaction.defaultPartitioning(t.layers().map()));
        } catch (RuntimeException e) {
            log.warn("cannot split gc-compaction jobs: {}, unblocked gc", e.toString());
            notifyAndUnblock(id);
            return Mono.error(e);
        }
        if (jobs.isEmpty()) {
            log.info("no jobs to run, skipping scheduled compaction task");
            notifyAndUnblock(id);
            return Mono.empty();
        }
        // the L2 LSN need not be exact: the highest horizon of the jobs
        Lsn expectedL2Lsn = jobs.stream().map(j -> j.compactLsnRange().end()).max(Lsn::compareTo).orElseThrow();
        List<GcCompactionQueueItem> pending = new ArrayList<>();
        boolean yieldForL0 = options.has(CompactFlags.YIELD_FOR_L0);
        for (int i = 0; i < jobs.size(); i++) {
            pending.add(new GcCompactionQueueItem.SubCompactionJob(i, jobs.size(),
                    jobs.get(i).toCompactOptions(yieldForL0)));
        }
        pending.add(new GcCompactionQueueItem.Notify(id, auto ? Optional.of(expectedL2Lsn) : Optional.empty()));
        long layerSize = collectLayerBelowLsn(t, expectedL2Lsn);
        synchronized (lock) {
            List<Entry> tasks = new ArrayList<>();
            for (GcCompactionQueueItem item : pending) {
                tasks.add(new Entry(nextId(), item));
            }
            for (int i = tasks.size() - 1; i >= 0; i--) {
                queued.addFirst(tasks.get(i));
            }
            GcCompactionMetaStatistics m = new GcCompactionMetaStatistics();
            m.metaJobId = id;
            m.startTime = Instant.now();
            m.beforeCompactionLayerSize = layerSize;
            m.belowLsn = expectedL2Lsn;
            m.totalSubCompactionJobs = jobs.size();
            metaStatistics = m;
        }
        log.info("scheduled enhanced gc bottom-most compaction with sub-compaction, split into {} jobs", jobs.size());
        return Mono.empty();
    }

    /**
     * Neon's {@code iteration}: takes one item and runs it; with an empty queue, maybe triggers an automatic job.
     * PENDING when items remain, YIELD_FOR_L0 when a job gave up for L0 compaction (that sub-job is not retried),
     * DONE otherwise; a failed job is logged and reported as SKIPPED (Neon keeps it from tripping the circuit
     * breaker), and its caller is notified.
     */
    public Mono<CompactionOutcome> iteration(Timeline t, GcCompactionSettings settings, AlignedBufferPool pool) {
        return Mono.defer(() -> {
            if (!consuming.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException("cannot run gc-compaction because another gc-compaction "
                        + "is running"));
            }
            return iterationInner(t, settings, pool)
                    .onErrorResume(e -> {
                        log.warn("{}: gc-compaction failed: {}", t.name(), e.toString());
                        return Mono.just(CompactionOutcome.SKIPPED);
                    })
                    // released before the outcome travels on, so whoever hears of it may iterate again at once
                    .doOnSuccess(o -> consuming.set(false))
                    .doOnCancel(() -> consuming.set(false));
        });
    }

    private Mono<CompactionOutcome> iterationInner(Timeline t, GcCompactionSettings settings,
                                                   AlignedBufferPool pool) {
        Entry entry;
        boolean hasPendingTasks;
        synchronized (lock) {
            entry = queued.pollFirst();
            running = entry;
            hasPendingTasks = !queued.isEmpty();
        }
        if (entry == null) {
            triggerAutoCompaction(t, settings);
            // always yield after triggering: gc-compaction is a low-priority task
            return Mono.just(CompactionOutcome.DONE);
        }
        GcCompactionJobId id = entry.id();
        Mono<Boolean> run; // emits whether the job yielded for L0
        if (entry.item() instanceof GcCompactionQueueItem.MetaJob meta) {
            CompactOptions options = meta.options();
            if (!options.has(CompactFlags.ENHANCED_GC_BOTTOM_MOST_COMPACTION)) {
                log.warn("ignoring scheduled compaction task: scheduled task must be gc compaction: {}", options);
                run = Mono.just(false);
            } else if (options.subCompaction()) {
                run = handleSubCompaction(id, options, t, meta.auto()).thenReturn(false);
            } else {
                run = GcCompaction.compactWithGc(t, options, settings, pool)
                        .map(r -> r.outcome() == CompactionOutcome.YIELD_FOR_L0)
                        .doOnError(e -> {
                            log.warn("failed to run gc-compaction: {}", e.toString());
                            notifyAndUnblock(id);
                        });
                // a job that is not split is done here: its caller hears now (Neon leaves it waiting)
                run = run.doOnNext(y -> notifyAndUnblock(id));
            }
        } else if (entry.item() instanceof GcCompactionQueueItem.SubCompactionJob sub) {
            log.info("running gc-compaction subcompaction job {}/{}", sub.i(), sub.total());
            run = GcCompaction.compactWithGc(t, sub.options(), settings, pool)
                    .map(r -> r.outcome() == CompactionOutcome.YIELD_FOR_L0)
                    .doOnNext(y -> {
                        synchronized (lock) {
                            if (metaStatistics != null) {
                                metaStatistics.succeededSubCompactionJobs++;
                            }
                        }
                    })
                    .doOnError(e -> {
                        log.warn("failed to run gc-compaction subcompaction job: {}", e.toString());
                        synchronized (lock) {
                            if (metaStatistics != null) {
                                metaStatistics.failedSubCompactionJobs++;
                            }
                        }
                    });
        } else {
            GcCompactionQueueItem.Notify notify = (GcCompactionQueueItem.Notify) entry.item();
            run = onNotify(t, notify).thenReturn(false);
        }
        return run.doOnTerminate(this::clearRunningJob).doOnCancel(this::clearRunningJob).map(yielded -> {
            if (yielded) {
                log.info("give up gc-compaction: yield for L0 compaction");
                return CompactionOutcome.YIELD_FOR_L0;
            }
            return hasPendingTasks ? CompactionOutcome.PENDING : CompactionOutcome.DONE;
        });
    }

    private Mono<Void> onNotify(Timeline t, GcCompactionQueueItem.Notify notify) {
        Lsn belowLsn;
        synchronized (lock) {
            belowLsn = metaStatistics != null ? metaStatistics.belowLsn : Lsn.INVALID;
        }
        long layerSize = belowLsn.equals(Lsn.INVALID) ? 0 : collectLayerBelowLsn(t, belowLsn);
        synchronized (lock) {
            if (metaStatistics != null) {
                metaStatistics.afterCompactionLayerSize = layerSize;
                metaStatistics.finish();
            }
        }
        notifyAndUnblock(notify.id());
        if (notify.l2Lsn().isEmpty()) {
            return Mono.empty();
        }
        Lsn l2 = notify.l2Lsn().get();
        Lsn current = t.gcCompactionState().map(IndexPart.GcCompactionState::lastCompletedLsn).orElse(Lsn.INVALID);
        if (l2.compareTo(current) < 0) {
            log.warn("l2_lsn updated to {} but it is less than the current l2_lsn {}", l2, current);
            return Mono.empty();
        }
        log.info("l2_lsn updated to {}", l2);
        return t.updateGcCompactionState(new IndexPart.GcCompactionState(l2));
    }
}
