package io.strata.engine.compaction.gc;

import io.strata.engine.key.Lsn;
import java.util.Objects;

/**
 * Neon's {@code CompactLsnRange}: layers are picked by it; {@code end} is the GC horizon of the job (clamped to the
 * gc-compaction watermark), and data below {@code start} is read through the normal read path, as below a branch.
 */
public record CompactLsnRange(Lsn start, Lsn end) {
    /** Everything: from the bottom to the watermark. */
    public static final CompactLsnRange ALL = new CompactLsnRange(Lsn.INVALID, Lsn.MAX);

    public CompactLsnRange {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
    }

    /** {@code lsn..MAX}: compact only above {@code lsn}. */
    public static CompactLsnRange above(Lsn lsn) {
        return new CompactLsnRange(lsn, Lsn.MAX);
    }

    /** {@code 0..lsn}: compact below {@code lsn} (the horizon). */
    public static CompactLsnRange below(Lsn lsn) {
        return new CompactLsnRange(Lsn.INVALID, lsn);
    }
}
