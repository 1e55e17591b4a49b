package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The tiered compaction algorithm (Neon's {@code compact_tiered.rs}).
 *
 * <p>Compacting a level reads all its delta layers and writes a new set of deltas holding all the same WAL
 * records ({@code retileDeltas}). Unlike a usual LSM tree nothing is dropped, since all history is kept: the
 * reshuffle only reduces read amplification, the number of files to visit for one key's records.
 *
 * <p>If the new deltas would be very narrow, it creates image layers instead: when the key space's size as
 * images is below the size of the level's deltas. That bounds storage amplification at 2x and puts images
 * roughly one logical database size of WAL apart.
 */
public final class CompactTiered {
    private static final Logger log = LoggerFactory.getLogger(CompactTiered.class);

    /** u64::MAX: the level height at which every LSN is in the level. */
    private static final long MAX_HEIGHT = -1L;

    private CompactTiered() {
    }

    /** {@link #compactTiered(CompactionJobExecutor, Lsn, TieredCompactionConfig, Object)} with Neon's arguments. */
    public static <K, L extends CompactionLayer<K>, D extends CompactionDeltaLayer<K, C, ?>, C> Mono<Void> compactTiered(
            CompactionJobExecutor<K, L, D, C> executor, Lsn endLsn, long targetFileSize, long fanout, C ctx) {
        return Mono.defer(() -> compactTiered(executor, endLsn, new TieredCompactionConfig(fanout, targetFileSize), ctx));
    }

    /**
     * Compacts everything below {@code endLsn} that needs it ({@code compact_tiered}): starting at L0, each level
     * that holds at least {@code fanout} tiers is compacted, and then the next level (LSN height {@code fanout}
     * times larger) is examined. {@code endLsn} must not cut through a layer; to compact from the top of the
     * tree pass the end LSN of the newest L0 layer.
     */
    public static <K, L extends CompactionLayer<K>, D extends CompactionDeltaLayer<K, C, ?>, C> Mono<Void> compactTiered(
            CompactionJobExecutor<K, L, D, C> executor, Lsn endLsn, TieredCompactionConfig config, C ctx) {
        return Mono.defer(() -> {
            LevelLoop<K, L, D, C> loop = new LevelLoop<>(executor, endLsn, config, ctx);
            return Mono.defer(loop::next).repeat(() -> !loop.done).then();
        });
    }

    /** The walk up the levels of one {@code compactTiered} call. */
    private static final class LevelLoop<K, L extends CompactionLayer<K>, D extends CompactionDeltaLayer<K, C, ?>, C> {
        private final CompactionJobExecutor<K, L, D, C> executor;
        private final CompactionKey<K> keys;
        private final Lsn endLsn;
        private final TieredCompactionConfig config;
        private final long expBase;
        private final C ctx;
        private int currentLevelNo;
        private long currentLevelTargetHeight;
        boolean done;

        LevelLoop(CompactionJobExecutor<K, L, D, C> executor, Lsn endLsn, TieredCompactionConfig config, C ctx) {
            this.executor = executor;
            this.keys = executor.compactionKey();
            this.endLsn = endLsn;
            this.config = config;
            this.expBase = Math.max(config.fanout(), 2);
            this.ctx = ctx;
            this.currentLevelTargetHeight = config.targetFileSize();
        }

        Mono<Void> next() {
            // +1 to include image layers exactly at endLsn.
            Range<Lsn> lsnRange = new Range<>(Lsn.INVALID, endLsn.add(1));
            return executor.getLayers(keys.fullRange(), lsnRange, ctx).defaultIfEmpty(List.of()).flatMap(allLayers -> {
                log.debug("Compacting L{}, total # of layers: {}", currentLevelNo, allLayers.size());
                // A level's layers may span up to 1.75x its target height: enough slack that a somewhat oversized
                // L0 (a delayed flush) still counts as L0, not so much that a level is skipped.
                long maxHeight = scaleU64(currentLevelTargetHeight, 1.75);
                Optional<Level<K, L>> found = IdentifyLevels.identifyLevel(allLayers, endLsn, maxHeight);
                if (found.isEmpty()) {
                    done = true;
                    return Mono.empty();
                }
                Level<K, L> level = found.get();
                long depth = level.depth(keys);
                log.debug("Level {} identified as LSN range {}: depth {}, {} layers", currentLevelNo, level.lsnRange(),
                        depth, level.layers().size());
                if (depth < config.fanout()) {
                    log.debug("L{}: too few deltas to compact (depth {}, fanout {})", currentLevelNo, depth,
                            config.fanout());
                    done = true;
                    return Mono.empty();
                }
                return new LevelCompactionState<>(executor, config.targetFileSize(), level, ctx).compactLevel()
                        .then(Mono.fromRunnable(() -> {
                            if (currentLevelTargetHeight == MAX_HEIGHT) {
                                log.info("L{}: compaction loop reached the largest level height", currentLevelNo);
                                done = true;
                                return;
                            }
                            currentLevelNo++;
                            currentLevelTargetHeight = saturatingMulU64(currentLevelTargetHeight, expBase);
                        }));
            });
        }
    }

    /** {@code (value as f64 * factor) as u64} for a u64 {@code value}: rounds as Rust does, saturates at u64::MAX. */
    static long scaleU64(long value, double factor) {
        double d = value >= 0 ? (double) value : (double) ((value >>> 1) | (value & 1)) * 2.0;
        double scaled = d * factor;
        if (scaled >= 0x1p64) {
            return MAX_HEIGHT;
        }
        if (scaled >= 0x1p63) {
            return (long) (scaled - 0x1p63) | Long.MIN_VALUE;
        }
        return (long) scaled;
    }

    /** u64 {@code saturating_mul}. */
    static long saturatingMulU64(long a, long b) {
        if (a != 0 && Long.compareUnsigned(b, Long.divideUnsigned(-1L, a)) > 0) {
            return MAX_HEIGHT;
        }
        return a * b;
    }

    private enum CompactionStrategy {
        DIVIDE,
        CREATE_DELTA,
        CREATE_IMAGE
    }

    /**
     * A piece of work: divide a key-LSN rectangle into more jobs, or write one layer covering it.
     *
     * @param inputLayers indexes into the level's layers
     */
    private record CompactionJob<K>(Range<K> keyRange, Range<Lsn> lsnRange, CompactionStrategy strategy,
                                    List<Integer> inputLayers) {
    }

    /**
     * A layer of the level being compacted. Once new layers are planned to replace it, {@code deletableAfter}
     * holds the jobs writing them; when the last completes the layer is deleted. Null means the layer is not
     * rewritten and must stay.
     */
    private static final class LayerFragment<L> {
        final L layer;
        Set<Integer> deletableAfter;

        LayerFragment(L layer) {
            this.layer = layer;
        }
    }

    /** Blackboard of one level's compaction: its layers, the jobs and the queue of jobs still to run. */
    private static final class LevelCompactionState<K, L extends CompactionLayer<K>,
            D extends CompactionDeltaLayer<K, C, ?>, C> {
        private final CompactionJobExecutor<K, L, D, C> executor;
        private final CompactionKey<K> keys;
        private final ShardIdentity shardIdentity;
        private final long targetFileSize;
        private final Range<Lsn> lsnRange;
        private final List<LayerFragment<L>> layers = new ArrayList<>();
        private final List<CompactionJob<K>> jobs = new ArrayList<>();
        /** A stack, as Neon's: jobs are pushed in reverse so they run in order. */
        private final ArrayDeque<Integer> jobQueue = new ArrayDeque<>();
        private final C ctx;
        /** Whether deltas were rewritten, so the level below may now need compaction. */
        private boolean nextLevel;

        LevelCompactionState(CompactionJobExecutor<K, L, D, C> executor, long targetFileSize, Level<K, L> level,
                             C ctx) {
            this.executor = executor;
            this.keys = executor.compactionKey();
            this.shardIdentity = executor.getShardIdentity();
            this.targetFileSize = targetFileSize;
            this.lsnRange = level.lsnRange();
            this.ctx = ctx;
            for (L l : level.layers()) {
                layers.add(new LayerFragment<>(l));
            }
        }

        /** {@code compact_level}: one Divide job over the whole level, then every job it leads to. */
        Mono<Boolean> compactLevel() {
            List<Integer> all = new ArrayList<>(layers.size());
            for (int i = 0; i < layers.size(); i++) {
                all.add(i);
            }
            pushJob(new CompactionJob<>(keys.fullRange(), lsnRange, CompactionStrategy.DIVIDE, all));
            return execute().then(Mono.fromCallable(() -> {
                log.info("compaction of level {} completed; need to process next level: {}", lsnRange, nextLevel);
                return nextLevel;
            }));
        }

        /** Runs jobs off the queue until it is empty; a job may push more. One job at a time. */
        private Mono<Void> execute() {
            return Mono.fromSupplier(jobQueue::pollLast)
                    .flatMap(this::executeJob)
                    .repeat(() -> !jobQueue.isEmpty())
                    .then();
        }

        private int pushJob(CompactionJob<K> job) {
            int jobId = jobs.size();
            jobs.add(job);
            jobQueue.addLast(jobId);
            return jobId;
        }

        private Mono<Void> executeJob(int jobId) {
            CompactionJob<K> job = jobs.get(jobId);
            log.debug("executing job {}: {} {} x {}", jobId, job.strategy(), job.keyRange(), job.lsnRange());
            return switch (job.strategy()) {
                case DIVIDE -> divideJob(job);
                case CREATE_DELTA -> createDelta(jobId, job);
                case CREATE_IMAGE -> executor.createImage(job.lsnRange().end(), job.keyRange(), ctx);
            };
        }

        private record Downcast<D>(int layerId, D delta) {
        }

        /** The job's input layers that are deltas, in input order. */
        private Mono<List<Downcast<D>>> downcastInputs(CompactionJob<K> job) {
            return Flux.fromIterable(job.inputLayers())
                    .concatMap(id -> executor.downcastDeltaLayer(layers.get(id).layer, ctx)
                            .map(d -> new Downcast<>(id, d)))
                    .collectList();
        }

        private Mono<Void> createDelta(int jobId, CompactionJob<K> job) {
            return downcastInputs(job).flatMap(inputs -> {
                List<D> deltas = inputs.stream().map(Downcast::delta).toList();
                return executor.createDelta(job.lsnRange(), job.keyRange(), deltas, ctx)
                        .thenMany(Flux.fromIterable(inputs))
                        // Did this complete any layer's replacement?
                        .concatMap(input -> {
                            LayerFragment<L> l = layers.get(input.layerId());
                            if (l.deletableAfter == null) {
                                return Mono.empty();
                            }
                            l.deletableAfter.remove(jobId);
                            if (!l.deletableAfter.isEmpty()) {
                                return Mono.empty();
                            }
                            return executor.deleteLayer(l.layer, ctx);
                        })
                        .then(Mono.fromRunnable(() -> nextLevel = true));
            });
        }

        /**
         * Decides how to compact the job's rectangle ({@code divide_job}): images if the key space as images is
         * smaller than the deltas, else re-tiled deltas. For now this is decided once for the whole level;
         * Neon's plan is to partition the key space and decide per partition.
         */
        private Mono<Void> divideJob(CompactionJob<K> job) {
            if (job.inputLayers().isEmpty()) {
                return Mono.empty();
            }
            return executor.getKeyspace(job.keyRange(), job.lsnRange().end(), ctx).defaultIfEmpty(List.of())
                    .flatMap(keyspace -> {
                        long keyspaceSize = CompactionHelpers.keyspaceTotalSize(keyspace, keys, shardIdentity)
                                * CompactionHelpers.PAGE_SZ;
                        long walSize = 0;
                        for (int id : job.inputLayers()) {
                            L l = layers.get(id).layer;
                            if (l.isDelta()) {
                                walSize += l.fileSize();
                            }
                        }
                        if (Long.compareUnsigned(keyspaceSize, walSize) < 0) {
                            log.info("covering with images, because keyspace_size is {}, size of deltas between {} is {}",
                                    Long.toUnsignedString(keyspaceSize), job.lsnRange(), walSize);
                            // Neon asks the executor for the same key space again; the answer is at hand.
                            return Mono.fromRunnable(() -> coverWithImages(job, keyspace));
                        }
                        log.info("coverage not worth it, keyspace_size {}, wal_size {}; retiling deltas",
                                Long.toUnsignedString(keyspaceSize), walSize);
                        return retileDeltas(job);
                    });
        }

        //  LSN
        //   ^
        //   |                          ###|###|#####
        //   | +--+-----+--+            +--+-----+--+
        //   | |  |     |  |            |  |     |  |
        //   | +--+--+--+--+            +--+--+--+--+
        //   | |     |     |     ==>    |     |     |
        //   | +---+-+-+---+            +---+-+-+---+
        //   |
        //   +--------------> key
        /**
         * Plans image layers at the top of the job's LSN range, each covering about the target file size of
         * pages ({@code cover_with_images}). Images replace no layer (until GC, below the PITR horizon), so
         * nothing becomes deletable.
         */
        private void coverWithImages(CompactionJob<K> job, List<Range<K>> keyspace) {
            KeyspaceWindow<K> window = new KeyspaceWindow<>(job.keyRange(), keyspace,
                    targetFileSize / CompactionHelpers.PAGE_SZ, keys, shardIdentity);
            List<CompactionJob<K>> newJobs = new ArrayList<>();
            Range<K> keyRange;
            while ((keyRange = window.chooseNextImage()) != null) {
                newJobs.add(new CompactionJob<>(keyRange, job.lsnRange(), CompactionStrategy.CREATE_IMAGE, List.of()));
            }
            for (int i = newJobs.size() - 1; i >= 0; i--) {
                pushJob(newJobs.get(i));
            }
        }

        //  LSN                                             (X)
        //   ^
        //   | +-----------+            +--+--+--+--+     +--+--+--+--+
        //   | |           |            |  |  |  |  |     |  |  |  |  |
        //   | +-----------+     ==>    |  |  |  |  |  or |  |  +--+  |
        //   | |           |            |  |  |  |  |     |  |  |  |  |
        //   | +-----------+            +--+--+--+--+     +--+--+--+--+
        //   +--------------> key
        /**
         * Merges the job's delta layers into new deltas of about the target file size, cut along the key
         * dimension as the keys stream past ({@code retile_deltas}). A key whose history alone exceeds the target
         * gets its own deltas, cut along the LSN dimension too. Then every input waits for the new layers that
         * take over its records before it is deleted.
         */
        private Mono<Void> retileDeltas(CompactionJob<K> job) {
            return downcastInputs(job).flatMap(inputs -> {
                List<D> deltas = inputs.stream().map(Downcast::delta).toList();
                Retile retile = new Retile(job);
                return CompactionHelpers.accumKeyValues(CompactionHelpers.mergeDeltaKeys(deltas, keys, ctx),
                                targetFileSize, keys)
                        .doOnNext(retile::feed)
                        .then(Mono.fromRunnable(() -> {
                            retile.finish();
                            registerRetiledJobs(job, retile.newJobs);
                        }));
            });
        }

        /** The key sweep of {@code retileDeltas}: a window that cuts a delta whenever it has enough to decide. */
        private final class Retile {
            private final CompactionJob<K> job;
            private Window<K> window = new Window<>(keys);
            final List<CompactionJob<K>> newJobs = new ArrayList<>();

            Retile(CompactionJob<K> job) {
                this.job = job;
            }

            void feed(KeySize<K> nextKey) {
                if (nextKey.partitionLsns().isEmpty()) {
                    window.feed(nextKey.key(), nextKey.size());
                } else {
                    // One key too large for a layer. Make a clean cut before it, then give it layers of its own,
                    // split by LSN: clustering it with other keys would make layers overlap in key x LSN.
                    K key = nextKey.key();
                    log.debug("key {} with size impact larger than the layer size", key);
                    drain();
                    window = new Window<>(keys);
                    Lsn priorLsn = job.lsnRange().start();
                    for (KeySize.Partition p : nextKey.partitionLsns()) {
                        createDeltaJob(new Range<>(key, keys.next(key)), new Range<>(priorLsn, p.lsn()));
                        priorLsn = p.lsn();
                    }
                    createDeltaJob(new Range<>(key, keys.next(key)), new Range<>(priorLsn, job.lsnRange().end()));
                }
                Range<K> keyRange;
                while ((keyRange = window.chooseNextDelta(targetFileSize, true)) != null) {
                    createDeltaJob(keyRange, job.lsnRange());
                }
            }

            void finish() {
                drain();
            }

            private void drain() {
                while (!window.isEmpty()) {
                    createDeltaJob(window.chooseNextDelta(targetFileSize, false), job.lsnRange());
                }
            }

            /** A job for one new delta: its inputs are the job's layers that overlap it in key. */
            private void createDeltaJob(Range<K> keyRange, Range<Lsn> lsnRange) {
                List<Integer> batchLayers = new ArrayList<>();
                for (int id : job.inputLayers()) {
                    if (CompactionHelpers.overlapsWith(layers.get(id).layer.keyRange(), keyRange, keys)) {
                        batchLayers.add(id);
                    }
                }
                if (batchLayers.isEmpty()) {
                    throw new IllegalStateException("no input layer overlaps the new delta " + keyRange);
                }
                newJobs.add(new CompactionJob<>(keyRange, lsnRange, CompactionStrategy.CREATE_DELTA, batchLayers));
            }
        }

        /** Queues the new delta jobs and makes each input layer deletable once the jobs that read it are done. */
        private void registerRetiledJobs(CompactionJob<K> job, List<CompactionJob<K>> newJobs) {
            for (int id : job.inputLayers()) {
                LayerFragment<L> l = layers.get(id);
                if (l.deletableAfter != null) {
                    throw new IllegalStateException("layer " + l.layer.shortId() + " is rewritten twice");
                }
                l.deletableAfter = new HashSet<>();
            }
            for (int i = newJobs.size() - 1; i >= 0; i--) {
                CompactionJob<K> j = newJobs.get(i);
                int jobId = pushJob(j);
                for (int id : j.inputLayers()) {
                    layers.get(id).deletableAfter.add(jobId);
                }
            }
        }
    }
}
