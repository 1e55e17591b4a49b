package io.strata.engine.compaction.legacy;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.LayerSource;
import io.strata.engine.compaction.MergeBatch;
import io.strata.engine.compaction.MergeIterator;
import io.strata.engine.failpoint.Failpoints;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineConfig;
import io.strata.io.buffer.AlignedBufferPool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Neon's L0 compaction ({@code compact_level0} + {@code compact_level0_phase1}): merges the oldest contiguous run
 * of L0 delta layers into L1 delta layers cut at the target file size, and swaps them in atomically.
 *
 * <ol>
 *   <li><b>Pick</b>: when at least {@code compactionThreshold} L0 layers exist (or when forced), the oldest L0 and
 *       each following one whose LSN range starts where the previous ended, until their size reaches
 *       {@code max(compactionUpperLimit, compactionThreshold) x max(checkpointDistance, 256 MiB)}: the outcome is
 *       then {@link CompactionOutcome#PENDING}.</li>
 *   <li><b>Holes</b> ({@link Level0Holes}) and <b>cuts</b> ({@link Level0SplitPlanner}) from the L0 indexes,
 *       streamed as a k-merge ({@link Level0IndexMerge}) on a {@code boundedElastic} worker (the planner pulls;
 *       the index reads it waits for go through the io engine and the block cache).</li>
 *   <li><b>Write</b>, started with the planning, not after it: the values, k-merged by {@link MergeIterator}
 *       (bounded buffers per input layer), go into L1 delta writers opened and finished where the plan says, each
 *       step taken from the {@link Level0PlanFeed} as the planner decides it (the write pass waits only where it has
 *       caught up with the planner); keys other shards own are dropped. Each file is fsynced as it is finished, then
 *       the timeline directory.</li>
 *   <li><b>Swap</b>: {@link Timeline#replaceHistoricLayers} writes the index with the new layers and without the
 *       compacted L0s, then publishes the new layer map: reads in flight finish on the old layers.</li>
 * </ol>
 * Failure or cancellation at any point aborts the writer in progress and removes every new file; the timeline keeps
 * its L0 layers and reads the same. Memory: the merge's buffers (one planned read per input layer), the index
 * k-merge's prefetch, the plan (two steps per output layer) and the holes.
 */
public final class Level0Compaction {
    private static final Logger log = LoggerFactory.getLogger(Level0Compaction.class);
    /** Neon's failpoint: reached after each value once the pass has finished its first L1 layer. */
    public static final String FAILPOINT_AFTER_FIRST_L1 = "after-timeline-compacted-first-L1";
    /** Strata's failpoint: the planner fails once it has decided its first cut (error action only). */
    public static final String FAILPOINT_PLAN_AFTER_FIRST_CUT = "l0-compaction-plan-after-first-cut";
    /** Index entries per list each L0's key stream hands to the index k-merge (two lists ahead). */
    private static final int INDEX_BATCH = 1024;

    /**
     * @param targetFileSize       L1 layers are cut at about this size (Neon: the checkpoint distance)
     * @param compactionThreshold  L0 layers needed before compacting (Neon's {@code compaction_threshold})
     * @param deltaSizeLimit       one pass takes L0 layers until their size reaches this (Neon's
     *                             {@code delta_size_limit}: max(compaction_upper_limit 20, threshold) x
     *                             max(checkpoint distance, 256 MiB))
     * @param force                compact even below the threshold (Neon's {@code ForceL0Compaction})
     * @param shard                the timeline's shard: keys other shards own are dropped
     * @param iterator             read sizes of the value merge ({@link #ITERATOR}: 256 KiB, 32 values per read)
     */
    public record Options(long targetFileSize, int compactionThreshold, long deltaSizeLimit, boolean force,
                          ShardIdentity shard, IteratorOptions iterator) {
        /**
         * Value reads of 256 KiB / 32 values per input layer (Neon's L0 compaction reads 8 MiB, its gc-compaction
         * 1 MiB / 128 values): every L0 layer overlaps the others, so all of them hold decoded reads at once; with
         * 1 MiB reads 21 layers kept about 40 MiB of values live, which each young collection copied (a quarter of
         * the compaction's CPU went to G1 in a 256 MiB heap). A quarter of that cut the CPU by about 15% and the peak
         * heap from about 190 to 125 MiB. Two hops in flight per layer: with one, the merge waited for the next read
         * of whichever layer ran dry, and the 1 GiB benchmark ran at about 210 MiB/s against about 260 with two.
         */
        public static final IteratorOptions ITERATOR = new IteratorOptions(256 * 1024, 32, 2);
        /** Neon's {@code DEFAULT_COMPACTION_UPPER_LIMIT}. */
        public static final int DEFAULT_COMPACTION_UPPER_LIMIT = 20;

        public Options {
            Objects.requireNonNull(shard, "shard");
            Objects.requireNonNull(iterator, "iterator");
            if (targetFileSize <= 0 || compactionThreshold < 1 || deltaSizeLimit <= 0) {
                throw new IllegalArgumentException("invalid L0 compaction options: target " + targetFileSize
                        + ", threshold " + compactionThreshold + ", delta size limit " + deltaSizeLimit);
            }
        }

        /** Neon's choices for a timeline: target = checkpoint distance, its threshold, upper limit 20. */
        public static Options of(TimelineConfig c) {
            long limit = (long) Math.max(DEFAULT_COMPACTION_UPPER_LIMIT, c.compactionThreshold())
                    * Math.max(c.checkpointDistance(), TimelineConfig.DEFAULT_CHECKPOINT_DISTANCE);
            return new Options(c.checkpointDistance(), c.compactionThreshold(), limit, false,
                    ShardIdentity.unsharded(), ITERATOR);
        }

        public Options withDeltaSizeLimit(long l) {
            return new Options(targetFileSize, compactionThreshold, l, force, shard, iterator);
        }

        public Options withThreshold(int n) {
            return new Options(targetFileSize, n, deltaSizeLimit, force, shard, iterator);
        }

        public Options withForce(boolean f) {
            return new Options(targetFileSize, compactionThreshold, deltaSizeLimit, f, shard, iterator);
        }

        public Options withTargetFileSize(long t) {
            return new Options(t, compactionThreshold, deltaSizeLimit, force, shard, iterator);
        }

        public Options withShard(ShardIdentity s) {
            return new Options(targetFileSize, compactionThreshold, deltaSizeLimit, force, s, iterator);
        }
    }

    /**
     * What a pass did.
     *
     * @param outcome   {@link CompactionOutcome#DONE} (or {@link CompactionOutcome#SKIPPED} below the threshold),
     *                  {@link CompactionOutcome#PENDING} when L0 layers were left for the next pass
     * @param compacted the L0 layers merged (removed)
     * @param created   the L1 layers written (added)
     * @param stats     Neon's {@code CompactLevel0Phase1Stats}
     */
    public record Result(CompactionOutcome outcome, List<PersistentLayerDesc> compacted,
                         List<PersistentLayerDesc> created, Level0Stats stats) {
        public Result {
            compacted = List.copyOf(compacted);
            created = List.copyOf(created);
        }
    }

    private Level0Compaction() {
    }

    /** One pass of L0 compaction on {@code timeline} (a stored timeline), value reads with buffers of {@code pool}. */
    public static Mono<Result> compactLevel0(Timeline timeline, Options options, AlignedBufferPool pool) {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(pool, "pool");
        // the read guard keeps the L0 files open even if GC takes them meanwhile (the swap then fails cleanly)
        return timeline.withCompactionLock("L0 compaction",
                () -> timeline.withReadGuard(() -> new Pass(timeline, options, pool).run()));
    }

    /** Neon's pick: the oldest contiguous L0 run within the size limit; empty when below the threshold. */
    static Selection select(LayerMap map, Options o) {
        List<PersistentLayerDesc> l0 = new ArrayList<>(map.level0Deltas());
        if (l0.isEmpty() || (l0.size() < o.compactionThreshold() && !o.force())) {
            return new Selection(List.of(), true, l0.size());
        }
        l0.sort(Comparator.comparing(PersistentLayerDesc::lsnStart));
        List<PersistentLayerDesc> picked = new ArrayList<>();
        picked.add(l0.get(0));
        Lsn prevEnd = l0.get(0).lsnEnd();
        long bytes = 0; // as in Neon, the first layer's size is not counted
        boolean fully = true;
        for (int i = 1; i < l0.size(); i++) {
            PersistentLayerDesc l = l0.get(i);
            if (!l.lsnStart().equals(prevEnd)) {
                break;
            }
            picked.add(l);
            bytes += l.fileSize();
            prevEnd = l.lsnEnd();
            if (bytes >= o.deltaSizeLimit()) {
                fully = false;
                break;
            }
        }
        return new Selection(picked, fully, l0.size());
    }

    record Selection(List<PersistentLayerDesc> layers, boolean fully, int l0Count) {
    }

    /** The state of one pass. */
    private static final class Pass {
        private final Timeline timeline;
        private final Options o;
        private final AlignedBufferPool pool;
        private final LayerWriteContext ctx;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        /** Once the swap started, the new files may be in the index: never removed here (a restart sorts it out). */
        private volatile boolean swapping;
        /** Guards {@link #writer}, {@link #written} and {@link #cleanedUp} between the write pass and cleanup. */
        private final Object lock = new Object();
        private boolean cleanedUp;
        /** The file creation or finish in progress, which a cancel does not stop. */
        private volatile java.util.concurrent.CompletableFuture<Void> pendingOp =
                java.util.concurrent.CompletableFuture.completedFuture(null);
        private final Level0Stats.Builder stats = new Level0Stats.Builder();
        private final List<WrittenLayer<DeltaLayerSummary>> written = new ArrayList<>();
        private DeltaLayerWriter writer;
        private final Level0PlanFeed feed = new Level0PlanFeed();
        /** The plan's steps known to the write pass, and the ordinal below which every step is among them. */
        private final List<Level0SplitPlanner.Step> steps = new ArrayList<>();
        private long stepsKnownThrough;
        private int nextStep;
        private long ordinal;
        private Key prevKey;

        Pass(Timeline timeline, Options o, AlignedBufferPool pool) {
            this.timeline = timeline;
            this.o = o;
            this.pool = pool;
            this.ctx = timeline.writeContext();
        }

        Mono<Result> run() {
            LayerSnapshot snapshot = timeline.layers();
            Selection sel = select(snapshot.map(), o);
            stats.level0DeltasCount(sel.l0Count());
            if (sel.layers().isEmpty()) {
                log.debug("{}: {} L0 layers, below the threshold {}", timeline.name(), sel.l0Count(),
                        o.compactionThreshold());
                return Mono.just(new Result(CompactionOutcome.SKIPPED, List.of(), List.of(), stats.build(timeline)));
            }
            List<PersistentLayerDesc> inputs = sel.layers();
            Level0SplitPlanner.LsnRange lsnRange = new Level0SplitPlanner.LsnRange(inputs.get(0).lsnStart(),
                    inputs.get(inputs.size() - 1).lsnEnd());
            Lsn l0LastRecordLsn = timeline.lastRecordLsn();
            log.info("{}: starting L0 compaction of {} layers ({} in total) in LSN range {}-{}", timeline.name(),
                    inputs.size(), sel.l0Count(), lsnRange.start(), lsnRange.end());
            List<PersistentLayer> layers = new ArrayList<>(inputs.size());
            for (PersistentLayerDesc d : inputs) {
                ReadableLayer r = snapshot.persistent().get(d.name());
                if (!(r instanceof PersistentLayer p)) {
                    return Mono.error(new IllegalStateException(timeline.name() + ": L0 layer " + d.name()
                            + " is in the layer map but not open"));
                }
                layers.add(p);
            }
            Mono<List<DeltaLayerReader>> readers = Flux.fromIterable(layers)
                    .concatMap(p -> p.reader().map(r -> (DeltaLayerReader) r))
                    .collectList();
            stats.prerequisitesDone();
            // the holes first, alone on the disk (the planner needs them all); then the planner and the write pass
            // together: writing needs only the steps up to where it is
            return readers
                    .flatMap(rs -> holes(rs, snapshot.map(), l0LastRecordLsn, inputs.size())
                            .flatMap(holes -> Mono.when(plan(rs, holes, lsnRange), write(layers))))
                    .then(Mono.fromSupplier(() -> List.copyOf(written)))
                    .flatMap(created -> swap(inputs, created, sel.fully()))
                    .onErrorResume(e -> cleanup().then(Mono.error(e)))
                    .doOnCancel(() -> {
                        cancelled.set(true);
                        cleanup().subscribe();
                    });
        }

        /**
         * The holes, from the index k-merge, on a worker that may wait. This pass reads the L0 indexes from the disk
         * (the planner then finds them in the block cache), so it runs before the value reads start: beside them,
         * its small index reads queued behind the large value reads, and the write pass waited for it.
         */
        private Mono<List<KeyRange>> holes(List<DeltaLayerReader> readers, LayerMap map, Lsn l0LastRecordLsn,
                                           int inputs) {
            return Mono.fromCallable(() -> {
                try (Level0IndexMerge keys = new Level0IndexMerge(readers, INDEX_BATCH)) {
                    List<KeyRange> holes = Level0Holes.find(checked(keys), inputs, o.targetFileSize(),
                            range -> map.imageCoverage(range, l0LastRecordLsn).size());
                    stats.holesDone();
                    return holes;
                }
            }).subscribeOn(Schedulers.boundedElastic());
        }

        /**
         * The cuts, from the index k-merge, on a worker that may wait, into {@link #feed}. Never fails itself: a
         * failure goes to the feed, where the write pass meets it (so the pass has one error, not two). Cancelled
         * (the write pass failed or the pass was cancelled), it stops at its next index entry.
         */
        private Mono<Void> plan(List<DeltaLayerReader> readers, List<KeyRange> holes,
                                Level0SplitPlanner.LsnRange lsnRange) {
            return Mono.fromRunnable(() -> {
                try (Level0IndexMerge values = new Level0IndexMerge(readers, INDEX_BATCH);
                     Level0IndexMerge allKeys = new Level0IndexMerge(readers, INDEX_BATCH)) {
                    Level0SplitPlanner.Totals t = Level0SplitPlanner.plan(checked(values), checked(allKeys), holes,
                            lsnRange, o.targetFileSize(), o.shard(), failpointAfterFirstCut(feed));
                    stats.planDone();
                    feed.done(t.values());
                } catch (Throwable e) {
                    feed.fail(e);
                }
            }).subscribeOn(Schedulers.boundedElastic()).doOnCancel(feed::stop).then();
        }

        /** {@code sink}, failing at {@link #FAILPOINT_PLAN_AFTER_FIRST_CUT} (when armed) after the first cut. */
        private static Level0SplitPlanner.StepSink failpointAfterFirstCut(Level0SplitPlanner.StepSink sink) {
            return new Level0SplitPlanner.StepSink() {
                @Override
                public void step(Level0SplitPlanner.Step s) {
                    sink.step(s);
                    if (s.finish()) {
                        Failpoints.check(FAILPOINT_PLAN_AFTER_FIRST_CUT);
                    }
                }

                @Override
                public void through(long ordinal) {
                    sink.through(ordinal);
                }
            };
        }

        /** Stops the planner when the pass or the write pass ends early. */
        private <T> Iterator<T> checked(Iterator<T> it) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    if (cancelled.get() || feed.stopped()) {
                        throw new CancellationException("L0 compaction of " + timeline.name() + " cancelled");
                    }
                    return it.hasNext();
                }

                @Override
                public T next() {
                    return it.next();
                }
            };
        }

        /** The write pass: the value k-merge into the L1 layers the planner cuts. */
        private Mono<Void> write(List<PersistentLayer> layers) {
            List<LayerSource> sources = layers.stream().map(LayerSource::of).toList();
            return MergeIterator.createWithOptions(sources, pool, o.iterator()).batches()
                    .concatMap(this::writeBatch, 0)
                    .then(Mono.defer(this::planKnownHere)) // the end: waits for the whole plan
                    .then(Mono.defer(() -> {
                        long planned = feed.values();
                        if (ordinal != planned) {
                            return Mono.error(new IllegalStateException(timeline.name() + ": L0 compaction read "
                                    + ordinal + " values but the layer indexes name " + planned));
                        }
                        return applyStepsAt(null);
                    }))
                    .then(Mono.defer(() -> ctx.engine().fsyncDirectory(ctx.timelineDir())))
                    .then(Mono.<Void>fromRunnable(() -> stats.writeDone(written)))
                    .doFinally(s -> feed.stop());
        }

        /**
         * Completes once the plan's steps up to the current ordinal are known (at once when they are). The write pass
         * can catch up with the planner at the start (before its first progress report, 1024 values in) and waits
         * for it at the end (the last step is known once the plan is complete).
         */
        private Mono<Void> planKnownHere() {
            if (ordinal < stepsKnownThrough) {
                return Mono.empty();
            }
            stepsKnownThrough = feed.copyInto(steps);
            if (ordinal < stepsKnownThrough) {
                return Mono.empty();
            }
            // woken on the planner's thread: continue on another, so that the planner goes on planning
            long waitStart = System.nanoTime();
            return Mono.fromFuture(feed.awaitBeyond(ordinal), true).publishOn(Schedulers.parallel())
                    .then(Mono.defer(() -> {
                        stats.waitedForPlan(System.nanoTime() - waitStart);
                        return planKnownHere();
                    }));
        }

        /**
         * Writes a batch's values in a plain loop while nothing has to be waited for, and goes asynchronous only where
         * something must: a layer to finish or open, a full blob buffer handed to the file, a failpoint. The earlier
         * form built and subscribed a chain of Monos per value, for values that almost never wait.
         */
        private Mono<Void> writeBatch(MergeBatch batch) {
            return Mono.defer(() -> writeFrom(batch, 0));
        }

        private Mono<Void> writeFrom(MergeBatch batch, int from) {
            for (int i = from; i < batch.size(); i++) {
                if (ordinal >= stepsKnownThrough) {
                    Mono<Void> known = planKnownHere();
                    if (known != Mono.<Void>empty()) {
                        int at = i;
                        return known.then(Mono.defer(() -> writeFrom(batch, at)));
                    }
                }
                if (stepDue()) {
                    int at = i;
                    return applyStepsAt(batch.key(i)).then(Mono.defer(() -> putThenWriteFrom(batch, at)));
                }
                Mono<Void> wait = put(batch, i);
                if (wait != null) {
                    int next = i + 1;
                    return wait.then(Mono.defer(() -> writeFrom(batch, next)));
                }
            }
            return Mono.empty();
        }

        private Mono<Void> putThenWriteFrom(MergeBatch batch, int i) {
            Mono<Void> wait = put(batch, i);
            return wait == null ? writeFrom(batch, i + 1) : wait.then(Mono.defer(() -> writeFrom(batch, i + 1)));
        }

        /**
         * Puts value {@code i} into the open layer (or drops it: another shard's key).
         *
         * @return null when the put is complete; else what to wait for before the next value
         */
        private Mono<Void> put(MergeBatch batch, int i) {
            Key key = batch.key(i);
            Lsn lsn = batch.lsn(i);
            if (!o.shard().isKeyDisposable(key)) { // after a shard split, other shards' keys are dropped
                if (writer == null) {
                    return Mono.error(new IllegalStateException(timeline.name() + ": L0 compaction plan has no "
                            + "open layer for " + key + "@" + lsn));
                }
                Mono<Void> flush = writer.putValue(key, lsn, batch.value(i));
                if (flush != Mono.<Void>empty()) { // the writers' "nothing to wait for" is Mono.empty() itself
                    return flush.then(Mono.defer(() -> putDone(key, lsn)));
                }
            }
            Mono<Void> failpoint = putDone(key, lsn);
            return failpoint == Mono.<Void>empty() ? null : failpoint;
        }

        private Mono<Void> putDone(Key key, Lsn lsn) {
            prevKey = key;
            ordinal++;
            return Failpoints.isArmed(FAILPOINT_AFTER_FIRST_L1) && !writtenEmpty()
                    ? Failpoints.hit(FAILPOINT_AFTER_FIRST_L1, timeline.name() + " at " + key + "@" + lsn)
                    : Mono.empty();
        }

        private boolean writtenEmpty() {
            synchronized (lock) {
                return written.isEmpty();
            }
        }

        /** Whether the plan has a step (finish a layer, open one) before the value at the current ordinal. */
        private boolean stepDue() {
            return nextStep < steps.size() && steps.get(nextStep).ordinal() == ordinal;
        }

        /** Applies the plan's step for the current ordinal, if any ({@code key} null at the end). */
        private Mono<Void> applyStepsAt(Key key) {
            if (!stepDue()) {
                return Mono.empty();
            }
            Level0SplitPlanner.Step s = steps.get(nextStep++);
            Mono<Void> finish = Mono.empty();
            if (s.finish()) {
                if (writer == null || prevKey == null) {
                    return Mono.error(new IllegalStateException(timeline.name() + ": L0 compaction plan finishes a "
                            + "layer that is not open at value " + ordinal));
                }
                DeltaLayerWriter w = writer;
                Key endKey = prevKey.next();
                finish = uncancellable(w.finish(endKey).flatMap(l -> {
                    synchronized (lock) {
                        if (writer == w) {
                            writer = null;
                        }
                        if (!cleanedUp) {
                            written.add(l);
                            return Mono.empty();
                        }
                    }
                    return ctx.engine().deleteIfExists(l.path()); // finished after the cleanup: ours to remove
                }).then());
            }
            if (s.open() == null) {
                return finish;
            }
            if (key == null) {
                return Mono.error(new IllegalStateException(timeline.name() + ": L0 compaction plan opens a layer "
                        + "after the last value"));
            }
            Level0SplitPlanner.LsnRange r = s.open();
            return finish.then(Mono.defer(() -> uncancellable(DeltaLayerWriter.create(ctx, key, r.start(), r.end())
                    .flatMap(w -> {
                        synchronized (lock) {
                            if (!cleanedUp) {
                                writer = w;
                                return Mono.empty();
                            }
                        }
                        return w.abort(); // created after the cleanup: ours to remove
                    }).then())));
        }

        /**
         * Runs {@code op} (creating or finishing a layer file) to its end even if the pass is cancelled meanwhile,
         * so that {@link #cleanup} knows every file it made: cleanup waits for it.
         */
        private Mono<Void> uncancellable(Mono<Void> op) {
            java.util.concurrent.CompletableFuture<Void> f = op.toFuture();
            pendingOp = f;
            return Mono.fromFuture(f, true);
        }

        private Mono<Result> swap(List<PersistentLayerDesc> inputs, List<WrittenLayer<DeltaLayerSummary>> created,
                                  boolean fully) {
            swapping = true;
            return timeline.replaceHistoricLayers(created, inputs).onErrorResume(e -> {
                swapping = false; // refused before the index changed: the files are ours to remove
                return Mono.error(e);
            }).then(Mono.fromSupplier(() -> {
                List<PersistentLayerDesc> out = created.stream()
                        .map(w -> new PersistentLayerDesc(w.name(), w.fileSize())).toList();
                Level0Stats st = stats.build(timeline);
                log.info("{}: L0 compaction merged {} layers into {}: {}", timeline.name(), inputs.size(),
                        out.size(), st.toJson());
                written.clear(); // now the timeline's
                return new Result(fully ? CompactionOutcome.DONE : CompactionOutcome.PENDING, inputs, out, st);
            }));
        }

        /** Aborts the writer in progress and removes the files written, which no index names. */
        private Mono<Void> cleanup() {
            if (swapping) {
                return Mono.empty();
            }
            return Mono.fromFuture(pendingOp, true).onErrorResume(e -> Mono.empty()).then(Mono.defer(() -> {
                DeltaLayerWriter w;
                List<WrittenLayer<DeltaLayerSummary>> files;
                synchronized (lock) {
                    cleanedUp = true; // a file operation ending later removes its own file
                    w = writer;
                    writer = null;
                    files = List.copyOf(written);
                    written.clear();
                }
                Mono<Void> abort = w == null ? Mono.empty() : w.abort().onErrorResume(e -> Mono.empty());
                return abort.then(Flux.fromIterable(files)
                        .concatMap(f -> ctx.engine().deleteIfExists(f.path()).onErrorResume(e -> {
                            log.warn("{}: could not remove {}: {}", timeline.name(), f.path(), e.toString());
                            return Mono.empty();
                        }))
                        .then());
            }));
        }
    }
}
