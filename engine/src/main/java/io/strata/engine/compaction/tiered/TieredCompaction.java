package io.strata.engine.compaction.tiered;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code Timeline::compact_tiered}: tiered compaction ({@link CompactTiered}) on a real timeline, through a
 * {@link TimelineAdaptor}. The fanout is the timeline's compaction threshold and the target file size its
 * checkpoint distance, as in Neon; nothing happens while fewer than {@code fanout} L0 layers exist. The run holds
 * the timeline's compaction lock (no other compaction meanwhile) and read guard (GC does not remove what it
 * reads); its layer swaps are atomic, and a failed or cancelled run removes the files it had not swapped in.
 */
public final class TieredCompaction {
    private static final Logger log = LoggerFactory.getLogger(TieredCompaction.class);

    private TieredCompaction() {
    }

    /** What a run did. */
    public record Result(CompactionOutcome outcome, Lsn endLsn, int deltasCreated, int imagesCreated,
                         int layersDeleted, Duration elapsed) {
    }

    /**
     * Runs tiered compaction on {@code timeline}.
     *
     * @param images the timeline's image layer creation (its key space collector and write settings)
     * @param pool   read buffers for the merges
     */
    public static Mono<Result> compactTiered(Timeline timeline, ImageLayerCreation images, AlignedBufferPool pool) {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(pool, "pool");
        if (images.timeline() != timeline) {
            throw new IllegalArgumentException("image layer creation of " + images.timeline().name()
                    + " cannot serve " + timeline.name());
        }
        return timeline.withCompactionLock("tiered compaction",
                () -> timeline.withReadGuard(() -> run(timeline, images, pool)));
    }

    private static Mono<Result> run(Timeline timeline, ImageLayerCreation images, AlignedBufferPool pool) {
        return Mono.defer(() -> {
            long started = System.nanoTime();
            long fanout = timeline.config().compactionThreshold();
            long targetFileSize = timeline.config().checkpointDistance();
            List<PersistentLayerDesc> l0 = timeline.layers().map().level0Deltas();
            if (l0.size() < fanout) {
                // too few L0 layers: the algorithm would do nothing
                return Mono.just(new Result(CompactionOutcome.SKIPPED, null, 0, 0, 0,
                        Duration.ofNanos(System.nanoTime() - started)));
            }
            Lsn endLsn = l0.stream().map(PersistentLayerDesc::lsnEnd).max(Comparator.naturalOrder()).orElseThrow();
            return images.collectKeyspace(endLsn).flatMap(ks -> {
                TimelineAdaptor adaptor = new TimelineAdaptor(timeline, endLsn, ks.dense(), images, pool,
                        Level0Compaction.Options.ITERATOR);
                String ctx = "tiered compaction of " + timeline.name();
                return CompactTiered.compactTiered(adaptor, endLsn, targetFileSize, fanout, ctx)
                        .then(adaptor.flushUpdates())
                        .then(Mono.fromSupplier(() -> {
                            Result r = new Result(CompactionOutcome.DONE, endLsn, adaptor.deltasCreated(),
                                    adaptor.imagesCreated(), adaptor.layersDeleted(),
                                    Duration.ofNanos(System.nanoTime() - started));
                            log.info("{}: tiered compaction up to {}: {} delta and {} image layers created, {} "
                                            + "removed, in {} ms", timeline.name(), endLsn, r.deltasCreated(),
                                    r.imagesCreated(), r.layersDeleted(), r.elapsed().toMillis());
                            return r;
                        }))
                        .onErrorResume(e -> Mono.fromFuture(adaptor.abandon().toFuture(), true).then(Mono.error(e)))
                        .doOnCancel(() -> adaptor.abandon().subscribe(null, e -> log.warn("{}: cleanup of a "
                                + "cancelled tiered compaction failed: {}", timeline.name(), e.toString())));
            });
        });
    }
}
