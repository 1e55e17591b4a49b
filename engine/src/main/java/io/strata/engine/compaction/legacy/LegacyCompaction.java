package io.strata.engine.compaction.legacy;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.compaction.image.LastImageLayerCreationStatus;
import io.strata.engine.key.Lsn;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Neon's {@code compact_legacy} pass: L0 compaction first; when L0 work remains (or, with yield-for-L0, when the
 * pass was preempted) it returns so the scheduler runs L0 again; otherwise the image layer step (repartition and
 * image creation at the L0/L1 boundary) runs. Layer visibility is recomputed at the end.
 */
public final class LegacyCompaction {
    private LegacyCompaction() {
    }

    /**
     * The image step of {@code compact_legacy}: repartition at the L0/L1 boundary LSN ({@link
     * ImageLayerCreation#partitionLsn}) and create image layers in {@code mode}, under the compaction lock; skipped
     * when the partitioning's LSN is below the applied GC cutoff (as in Neon). With {@code yieldForL0} the run stops
     * once the timeline has as many L0 layers as its compaction threshold, and reports
     * {@link CompactionOutcome#YIELD_FOR_L0} (the next run resumes after the last partition done).
     */
    public static Mono<CompactionOutcome> createImageLayers(ImageLayerCreation images, ImageLayerCreationMode mode,
                                                            boolean yieldForL0) {
        Timeline t = images.timeline();
        return t.withCompactionLock("image layer creation", () -> {
            Lsn gcCutoff = t.appliedGcCutoffLsn();
            BooleanSupplier yield = yieldForL0
                    ? () -> t.layers().map().level0Deltas().size() >= t.config().compactionThreshold() : null;
            return images.repartition(images.partitionLsn(), images.config().compactionTargetSize(), false)
                    .flatMap(p -> {
                        if (p.lsn().isBefore(gcCutoff)) {
                            return Mono.just(CompactionOutcome.DONE);
                        }
                        return images.createImageLayers(p, mode, yield).map(r ->
                                r.status() instanceof LastImageLayerCreationStatus.Incomplete
                                        ? CompactionOutcome.YIELD_FOR_L0 : CompactionOutcome.DONE);
                    });
        });
    }

    /**
     * @param imageStep  the image layer creation of the timeline (empty when not configured), yielding for L0
     * @param yieldForL0 return {@link CompactionOutcome#YIELD_FOR_L0} instead of going on while L0 work is pending
     */
    public static Mono<CompactionOutcome> compactLegacy(Timeline timeline, Level0Compaction.Options l0,
                                                        AlignedBufferPool pool,
                                                        Function<Timeline, Mono<CompactionOutcome>> imageStep,
                                                        boolean yieldForL0) {
        Objects.requireNonNull(imageStep, "imageStep");
        return Level0Compaction.compactLevel0(timeline, l0, pool).flatMap(r -> {
            if (r.outcome() == CompactionOutcome.PENDING || r.outcome() == CompactionOutcome.YIELD_FOR_L0) {
                return Mono.just(yieldForL0 ? CompactionOutcome.YIELD_FOR_L0 : r.outcome());
            }
            return imageStep.apply(timeline).defaultIfEmpty(CompactionOutcome.DONE);
        }).doOnNext(o -> timeline.updateLayerVisibility()); // Neon: after image creation changed the layers
    }
}
