package io.strata.engine.compaction.gc;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Neon's {@code CompactOptions} for gc-compaction.
 *
 * @param flags                      what to do
 * @param compactKeyRange            the keys to compact; empty: all ({@code Key::MIN..Key::MAX})
 * @param compactLsnRange            the LSN range; empty: {@code 0..watermark}
 * @param subCompaction              split the job into key-range jobs ({@link GcCompaction#gcCompactionSplitJobs})
 * @param subCompactionMaxJobSizeMb  the size of one split job (default 4 GiB)
 */
public record CompactOptions(Set<CompactFlags> flags, Optional<CompactKeyRange> compactKeyRange,
                             Optional<CompactLsnRange> compactLsnRange, boolean subCompaction,
                             OptionalLong subCompactionMaxJobSizeMb) {
    public CompactOptions {
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        Objects.requireNonNull(compactKeyRange, "compactKeyRange");
        Objects.requireNonNull(compactLsnRange, "compactLsnRange");
        Objects.requireNonNull(subCompactionMaxJobSizeMb, "subCompactionMaxJobSizeMb");
    }

    /** Neon's {@code default_for_gc_compaction_unit_tests}: a whole gc-compaction, no split. */
    public static CompactOptions defaultForGcCompactionUnitTests() {
        return new CompactOptions(Set.of(CompactFlags.ENHANCED_GC_BOTTOM_MOST_COMPACTION), Optional.empty(),
                Optional.empty(), false, OptionalLong.empty());
    }

    public boolean has(CompactFlags f) {
        return flags.contains(f);
    }

    public CompactOptions withFlag(CompactFlags f) {
        EnumSet<CompactFlags> s = flags.isEmpty() ? EnumSet.noneOf(CompactFlags.class) : EnumSet.copyOf(flags);
        s.add(f);
        return new CompactOptions(s, compactKeyRange, compactLsnRange, subCompaction, subCompactionMaxJobSizeMb);
    }

    public CompactOptions withKeyRange(CompactKeyRange r) {
        return new CompactOptions(flags, Optional.of(r), compactLsnRange, subCompaction, subCompactionMaxJobSizeMb);
    }

    public CompactOptions withLsnRange(CompactLsnRange r) {
        return new CompactOptions(flags, compactKeyRange, Optional.of(r), subCompaction, subCompactionMaxJobSizeMb);
    }

    public CompactOptions withSubCompaction(boolean sub, OptionalLong maxJobSizeMb) {
        return new CompactOptions(flags, compactKeyRange, compactLsnRange, sub, maxJobSizeMb);
    }
}
