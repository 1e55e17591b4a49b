package io.strata.engine.compaction.gc;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.List;
import java.util.Objects;

/**
 * What {@link GcCompaction#compactWithGc} did.
 *
 * @param outcome    Neon's {@code CompactionOutcome}: DONE (also when there was nothing to compact), SKIPPED (no
 *                   gc cutoff yet), YIELD_FOR_L0 (given up for L0 compaction; nothing changed)
 * @param statistics one per job that ran its main loop to the end (a dry run included)
 * @param removed    the layers that left the timeline
 * @param added      the layers that joined it
 */
public record GcCompactionResult(CompactionOutcome outcome, List<CompactionStatistics> statistics,
                                 List<PersistentLayerDesc> removed, List<PersistentLayerDesc> added) {
    public GcCompactionResult {
        Objects.requireNonNull(outcome, "outcome");
        statistics = List.copyOf(statistics);
        removed = List.copyOf(removed);
        added = List.copyOf(added);
    }

    static GcCompactionResult of(CompactionOutcome outcome) {
        return new GcCompactionResult(outcome, List.of(), List.of(), List.of());
    }
}
