package io.strata.engine.compaction.legacy;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import java.util.Objects;
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
