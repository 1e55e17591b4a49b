package io.strata.engine.compaction.gc;

import io.strata.engine.key.KeyRange;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Neon's {@code GcCompactJob}: the rectangle one job processes. The layers it compacts are chosen when it runs:
 * every layer overlapping {@code compactKeyRange} between the lowest LSN at or above {@code compactLsnRange.start}
 * and the highest end of a layer starting at or below the horizon.
 */
public record GcCompactJob(boolean dryRun, KeyRange compactKeyRange, CompactLsnRange compactLsnRange) {
    public GcCompactJob {
        Objects.requireNonNull(compactKeyRange, "compactKeyRange");
        Objects.requireNonNull(compactLsnRange, "compactLsnRange");
    }

    /** Neon's {@code from_compact_options}. */
    public static GcCompactJob fromCompactOptions(CompactOptions o) {
        return new GcCompactJob(o.has(CompactFlags.DRY_RUN),
                o.compactKeyRange().map(CompactKeyRange::toKeyRange).orElse(KeyRange.FULL),
                o.compactLsnRange().orElse(CompactLsnRange.ALL));
    }

    /** The options that run exactly this job (Neon converts sub-jobs back to options the same way). */
    public CompactOptions toCompactOptions(boolean yieldForL0) {
        EnumSet<CompactFlags> flags = EnumSet.of(CompactFlags.ENHANCED_GC_BOTTOM_MOST_COMPACTION);
        if (dryRun) {
            flags.add(CompactFlags.DRY_RUN);
        }
        if (yieldForL0) {
            flags.add(CompactFlags.YIELD_FOR_L0);
        }
        return new CompactOptions(flags, Optional.of(CompactKeyRange.of(compactKeyRange)),
                Optional.of(compactLsnRange), false, OptionalLong.empty());
    }
}
