package io.strata.engine.compaction.legacy;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.failpoint.Failpoints;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import io.strata.engine.key.ShardedRange;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.layermap.LayerVisibilityHint;
import io.strata.engine.read.LayerSnapshot;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code compact_shard_ancestors}: after a shard split, a shard's timeline still holds the layers its
 * ancestor shard wrote (ancestral layers: the index records another shard count for them). This pass
 * <ul>
 *   <li>drops ancestral layers whose key range holds no page of this shard ({@link ShardedRange#pageCount} 0);</li>
 *   <li>rewrites ancestral image layers through {@link ImageLayerReader#filter}, keeping only the keys this shard
 *       may not dispose of, under the same name with the current generation (so the file name differs), unless the
 *       layer is entirely shard-local, ends at or above the applied GC cutoff (it will age out anyway), is a delta
 *       layer (Neon does not rewrite those), is not visible (covered layers are left for GC), or was written by
 *       this generation; a filter that keeps no key drops the layer;</li>
 *   <li>stops choosing after {@code rewriteMax} rewrites ({@link CompactionOutcome#PENDING}), and with
 *       {@code yieldForL0} stops rewriting once the L0 count reaches the compaction threshold
 *       ({@link CompactionOutcome#YIELD_FOR_L0}), keeping what it rewrote so far.</li>
 * </ul>
 * All changes enter the timeline in one {@link Timeline#replaceHistoricLayers(List, List,
 * io.strata.engine.key.ShardIndex)} recording this shard. A failure or cancellation before it deletes the new
 * files (the index never named them) and the timeline is unchanged. Neon's failpoints
 * {@value #FAILPOINT_LOCAL_ONLY} (before the swap), {@value #FAILPOINT_ENQUEUED} (after it) and
 * {@value #FAILPOINT_PERSISTENT} (at the end) are {@link Failpoints}.
 *
 * <p>Strata timelines do not know their shard, so the caller says which shard it runs as ({@link Options#shard}).
 * Neon's size check ({@link #ANCESTOR_COMPACTION_REWRITE_THRESHOLD}) only logs and never prevents a rewrite; it is
 * kept so.
 */
public final class ShardAncestorCompaction {
    private static final Logger log = LoggerFactory.getLogger(ShardAncestorCompaction.class);

    /** Neon's {@code ANCESTOR_COMPACTION_REWRITE_THRESHOLD}: the local share under which a rewrite pays off. */
    public static final double ANCESTOR_COMPACTION_REWRITE_THRESHOLD = 0.3;
    /** Rewrites written, not yet in the index. */
    public static final String FAILPOINT_LOCAL_ONLY = "compact-shard-ancestors-localonly";
    /** The index and layer map changed. */
    public static final String FAILPOINT_ENQUEUED = "compact-shard-ancestors-enqueued";
    /** The pass is complete. */
    public static final String FAILPOINT_PERSISTENT = "compact-shard-ancestors-persistent";

    /** ShardedRange's "large" page count: the range spans relations. */
    private static final long LARGE = 0xFFFF_FFFFL;

    private ShardAncestorCompaction() {
    }

    /**
     * @param rewriteMax  the most layers one pass rewrites (Neon's {@code compact_legacy} passes the partition count)
     * @param yieldForL0  stop after a rewrite once the timeline has as many L0 layers as its compaction threshold
     * @param shard       the shard this timeline belongs to now (Strata timelines do not know it)
     * @param compression for the rewritten layers' writer (values are copied as stored, so it writes nothing new)
     */
    public record Options(int rewriteMax, boolean yieldForL0, ShardIdentity shard,
                          ImageCompressionAlgorithm compression) {
        public Options {
            Objects.requireNonNull(shard, "shard");
            Objects.requireNonNull(compression, "compression");
            if (rewriteMax < 0) {
                throw new IllegalArgumentException("rewriteMax must be >= 0, got " + rewriteMax);
            }
        }

        public static Options of(ShardIdentity shard, int rewriteMax) {
            return new Options(rewriteMax, false, shard, ImageCompressionAlgorithm.DISABLED);
        }

        public Options withYieldForL0(boolean y) {
            return new Options(rewriteMax, y, shard, compression);
        }
    }

    /**
     * What to do with the ancestral layers, chosen from the layer map.
     *
     * @param rewrite image layers to filter, at most {@code rewriteMax}
     * @param drop    layers with no page of this shard
     * @param pending more layers wanted a rewrite than {@code rewriteMax}
     */
    public record Selection(List<PersistentLayerDesc> rewrite, List<PersistentLayerDesc> drop, boolean pending) {
        public Selection {
            rewrite = List.copyOf(rewrite);
            drop = List.copyOf(drop);
        }
    }

    /**
     * One pass on {@code timeline}, as shard {@code options.shard()}: {@link CompactionOutcome#SKIPPED} for fewer
     * than 2 shards (Neon's caller runs it only then), else DONE, PENDING or YIELD_FOR_L0. Runs under the
     * timeline's compaction lock and a read guard (the layers being read stay open).
     */
    public static Mono<CompactionOutcome> compactShardAncestors(Timeline timeline, Options options,
                                                                AlignedBufferPool pool) {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(pool, "pool");
        if (options.shard().count() < 2) {
            return Mono.just(CompactionOutcome.SKIPPED);
        }
        return timeline.withCompactionLock("shard ancestor compaction",
                () -> timeline.withReadGuard(() -> new Pass(timeline, options, pool).run()));
    }

    /**
     * Neon's selection loop over the historic layers (in key, then LSN order), with the visibility hints of
     * {@code timeline} and its applied GC cutoff and generation.
     */
    public static Selection select(Timeline timeline, LayerSnapshot snapshot, Options o) {
        IndexPart index = timeline.indexPart();
        Lsn gcCutoff = timeline.appliedGcCutoffLsn();
        Generation current = timeline.writeContext().generation();
        List<PersistentLayerDesc> layers = new ArrayList<>(snapshot.map().historicLayers());
        layers.sort(Comparator.comparing(PersistentLayerDesc::name));
        List<PersistentLayerDesc> rewrite = new ArrayList<>();
        List<PersistentLayerDesc> drop = new ArrayList<>();
        boolean pending = false;
        for (PersistentLayerDesc l : layers) {
            IndexPart.LayerFileMetadata meta = index.layerMetadata().get(l.name());
            if (meta == null || meta.shard().count() == o.shard().count()) {
                continue; // written by this shard count: not an ancestor's layer
            }
            long local = new ShardedRange(l.keyRange(), o.shard()).pageCount();
            long raw = ShardedRange.rawSize(l.keyRange());
            if (local == 0) {
                log.debug("{}: dropping layer {} after shard split, contains no keys for this shard (metadata {})",
                        timeline.name(), l.name(), meta);
                drop.add(l);
                continue;
            }
            if (local != LARGE && local == raw) {
                log.debug("{}: layer {} is entirely shard local ({} keys), no need to filter it", timeline.name(),
                        l.name(), local);
                continue;
            }
            if (local != LARGE && (double) local / raw <= ANCESTOR_COMPACTION_REWRITE_THRESHOLD) {
                // Neon logs this and goes on: the check does not prevent the rewrite
                log.debug("{}: layer {} has {}/{} local pages (threshold {})", timeline.name(), l.name(), local,
                        raw, ANCESTOR_COMPACTION_REWRITE_THRESHOLD);
            }
            if (!l.lsnEnd().isBefore(gcCutoff)) {
                log.debug("{}: skipping rewrite of layer {} still in GC window ({} >= {})", timeline.name(),
                        l.name(), l.lsnEnd(), gcCutoff);
                continue;
            }
            if (l.isDelta()) {
                continue; // Neon does not rewrite delta layers
            }
            if (timeline.layerVisibility(l.name()) != LayerVisibilityHint.VISIBLE) {
                log.debug("{}: skipping rewrite of invisible layer {}", timeline.name(), l.name());
                continue;
            }
            if (meta.generation().equals(current)) {
                // the rewrite would have the same file name, and the layer may not be durable elsewhere yet
                log.debug("{}: skipping rewrite of {}, is not from an old generation", timeline.name(), l.name());
                continue;
            }
            if (rewrite.size() >= o.rewriteMax()) {
                log.debug("{}: will rewrite layer {} on a future compaction, already rewrote {}", timeline.name(),
                        l.name(), rewrite.size());
                pending = true;
                break;
            }
            rewrite.add(l);
        }
        return new Selection(rewrite, drop, pending);
    }

    /** The state of one pass: the files written so far, for the cleanup. */
    private static final class Pass {
        private final Timeline timeline;
        private final Options o;
        private final AlignedBufferPool pool;
        private final LayerWriteContext ctx;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final Object lock = new Object();
        /** Finished rewrites not yet in the index; guarded by {@link #lock}. */
        private final List<WrittenLayer<ImageLayerSummary>> written = new ArrayList<>();
        private boolean cleanedUp;
        /** Once the swap started the files may be in the index: never removed here. */
        private volatile boolean swapping;
        /** The file creation or finish in progress, which a cancel lets run to its end. */
        private volatile CompletableFuture<?> pendingOp = CompletableFuture.completedFuture(null);
        private ImageLayerWriter writer;

        Pass(Timeline timeline, Options o, AlignedBufferPool pool) {
            this.timeline = timeline;
            this.o = o;
            this.pool = pool;
            this.ctx = timeline.writeContext();
        }

        Mono<CompactionOutcome> run() {
            // Neon's hints are computed at load and after each pass; Strata's only after passes, so refresh them
            timeline.updateLayerVisibility();
            LayerSnapshot snapshot = timeline.layers();
            Selection sel = select(timeline, snapshot, o);
            if (sel.rewrite().isEmpty() && sel.drop().isEmpty()) {
                return Mono.just(CompactionOutcome.DONE);
            }
            log.info("{}: starting shard ancestor compaction, rewriting {} layers and dropping {} layers, checked {} "
                            + "layers (applied gc cutoff {})", timeline.name(), sel.rewrite().size(),
                    sel.drop().size(), snapshot.map().historicLayerCount(), timeline.appliedGcCutoffLsn());
            long started = System.nanoTime();
            List<PersistentLayerDesc> drop = new ArrayList<>(sel.drop());
            List<PersistentLayerDesc> replaced = new ArrayList<>();
            boolean[] yielded = {false};
            return Flux.fromIterable(sel.rewrite())
                    .concatMap(l -> {
                        if (yielded[0]) {
                            return Mono.empty();
                        }
                        return rewrite(snapshot, l, sel.rewrite().size()).doOnNext(kept -> {
                            (kept ? replaced : drop).add(l);
                            if (o.yieldForL0() && l0Pending()) {
                                log.info("{}: shard ancestor compaction yielding for L0 compaction", timeline.name());
                                yielded[0] = true;
                            }
                        });
                    }, 0)
                    .then(Mono.defer(() -> ctx.engine().fsyncDirectory(ctx.timelineDir())))
                    .then(Failpoints.hit(FAILPOINT_LOCAL_ONLY, timeline.name()))
                    .then(Mono.defer(() -> swap(replaced, drop)))
                    .then(Mono.fromCallable(() -> {
                        Failpoints.check(FAILPOINT_ENQUEUED);
                        CompactionOutcome outcome = yielded[0] ? CompactionOutcome.YIELD_FOR_L0
                                : sel.pending() ? CompactionOutcome.PENDING : CompactionOutcome.DONE;
                        log.info("{}: shard ancestor compaction done in {}s: rewrote {}, dropped {}, outcome {}{}",
                                timeline.name(), (System.nanoTime() - started) / 1e9, replaced.size(), drop.size(),
                                outcome, outcome == CompactionOutcome.PENDING
                                        ? " (rewriteMax=" + o.rewriteMax() + ")" : "");
                        Failpoints.check(FAILPOINT_PERSISTENT);
                        return outcome;
                    }))
                    .onErrorResume(e -> cleanup().then(Mono.error(e)))
                    .doOnCancel(() -> {
                        cancelled.set(true);
                        cleanup().subscribe();
                    });
        }

        private boolean l0Pending() {
            return timeline.layers().map().level0Deltas().size() >= timeline.config().compactionThreshold();
        }

        /** Filters one layer into a new file of this generation; emits whether any key was kept. */
        private Mono<Boolean> rewrite(LayerSnapshot snapshot, PersistentLayerDesc l, int total) {
            return Mono.defer(() -> {
                if (cancelled.get()) {
                    return Mono.error(new CancellationException("shard ancestor compaction of " + timeline.name()
                            + " cancelled"));
                }
                ReadableLayer r = snapshot.persistent().get(l.name());
                if (!(r instanceof PersistentLayer p)) {
                    return Mono.error(new IllegalStateException(timeline.name() + ": layer " + l.name()
                            + " is in the layer map but not open"));
                }
                log.info("{}: rewriting layer {} after shard split ({} layers this pass)", timeline.name(), l.name(),
                        total);
                return uncancellable(ImageLayerWriter.create(ctx, l.keyRange(), l.imageLayerLsn(), o.compression())
                        .flatMap(w -> {
                            synchronized (lock) {
                                if (!cleanedUp) {
                                    writer = w;
                                    return Mono.empty();
                                }
                            }
                            return w.abort(); // created after the cleanup: ours to remove
                        }))
                        .then(p.reader())
                        .flatMap(reader -> {
                            ImageLayerWriter w;
                            synchronized (lock) {
                                w = writer;
                            }
                            return w == null ? Mono.error(new CancellationException("shard ancestor compaction of "
                                    + timeline.name() + " cancelled"))
                                    : ((ImageLayerReader) reader).filter(o.shard(), w, pool);
                        })
                        .flatMap(keys -> keys > 0 ? finish(l) : abortWriter().thenReturn(false));
            });
        }

        private Mono<Boolean> finish(PersistentLayerDesc old) {
            ImageLayerWriter w = writer;
            return uncancellable(w.finish().flatMap(done -> {
                synchronized (lock) {
                    if (writer == w) {
                        writer = null;
                    }
                    if (!cleanedUp) {
                        written.add(done);
                        log.info("{}: rewrote layer {}, {} -> {} bytes", timeline.name(), old.name(),
                                old.fileSize(), done.fileSize());
                        return Mono.empty();
                    }
                }
                return ctx.engine().deleteIfExists(done.path()).then(); // finished after the cleanup
            })).thenReturn(true);
        }

        private Mono<Void> abortWriter() {
            ImageLayerWriter w;
            synchronized (lock) {
                w = writer;
                writer = null;
            }
            return w == null ? Mono.empty() : w.abort();
        }

        /** Runs a file creation or finish to its end even if the pass is cancelled; the cleanup waits for it. */
        private <T> Mono<Void> uncancellable(Mono<T> op) {
            CompletableFuture<Void> f = op.then().toFuture();
            pendingOp = f;
            return Mono.fromFuture(f, true);
        }

        private Mono<Void> swap(List<PersistentLayerDesc> replaced, List<PersistentLayerDesc> drop) {
            List<WrittenLayer<ImageLayerSummary>> added;
            synchronized (lock) {
                added = List.copyOf(written);
            }
            List<PersistentLayerDesc> removed = new ArrayList<>(replaced);
            removed.addAll(drop);
            for (PersistentLayerDesc d : drop) {
                log.info("{}: dropping layer {} after shard split (no keys for this shard), old metadata {}",
                        timeline.name(), d.name(), timeline.indexPart().layerMetadata().get(d.name()));
            }
            swapping = true;
            return timeline.replaceHistoricLayers(added, removed, o.shard().shardIndex())
                    .onErrorResume(e -> {
                        swapping = false; // refused before the index changed: the files are ours to remove
                        return Mono.error(e);
                    })
                    .then(Mono.fromRunnable(() -> {
                        synchronized (lock) {
                            written.clear(); // now the timeline's
                        }
                        timeline.updateLayerVisibility();
                    }));
        }

        /** Aborts the writer in progress and removes the rewritten files, which the index does not name. */
        private Mono<Void> cleanup() {
            if (swapping) {
                return Mono.empty();
            }
            return Mono.fromFuture(pendingOp, true).onErrorResume(e -> Mono.empty()).then(Mono.defer(() -> {
                ImageLayerWriter w;
                List<WrittenLayer<ImageLayerSummary>> files;
                synchronized (lock) {
                    cleanedUp = true; // a file operation ending later removes its own file
                    w = writer;
                    writer = null;
                    files = List.copyOf(written);
                    written.clear();
                }
                Mono<Void> abort = w == null ? Mono.empty() : w.abort().onErrorResume(e -> Mono.empty());
                return abort.then(Flux.fromIterable(files)
                        .filter(f -> !isIndexed(f))
                        .concatMap(f -> ctx.engine().deleteIfExists(f.path()).onErrorResume(e -> {
                            log.warn("{}: could not remove {}: {}", timeline.name(), f.path(), e.toString());
                            return Mono.empty();
                        }).then(), 0)
                        .then());
            }));
        }

        /** Whether the index names this very file (same name and this generation). */
        private boolean isIndexed(WrittenLayer<?> f) {
            IndexPart.LayerFileMetadata m = timeline.indexPart().layerMetadata().get(f.name());
            return m != null && m.generation().equals(ctx.generation());
        }
    }
}
