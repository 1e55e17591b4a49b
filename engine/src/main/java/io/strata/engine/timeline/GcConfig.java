package io.strata.engine.timeline;

import java.time.Duration;
import java.util.Objects;

/**
 * Garbage collection settings of a tenant's timelines (Neon's tenant config knobs of the same names).
 *
 * @param gcHorizon      bytes of WAL (LSN distance below the last record LSN) whose history is kept whatever the
 *                       time (Neon's {@code gc_horizon}, 64 MiB): the space cutoff
 * @param pitrInterval   history kept by time, for point-in-time reads (Neon's {@code pitr_interval}, 7 days); zero
 *                       means none beyond the space cutoff and {@link #DEFAULT_PITR_INTERVAL}
 * @param lsnLeaseLength how long an LSN lease lasts, and how long after a restart GC waits so that clients can renew
 *                       the leases the restart forgot (Neon's {@code lsn_lease_length}, 10 min)
 */
public record GcConfig(long gcHorizon, Duration pitrInterval, Duration lsnLeaseLength) {
    /** Neon's {@code DEFAULT_GC_HORIZON}. */
    public static final long DEFAULT_GC_HORIZON = 64L << 20;
    /** Neon's {@code DEFAULT_PITR_INTERVAL}: with no PITR interval set, history older than this is not kept either. */
    public static final Duration DEFAULT_PITR_INTERVAL = Duration.ofDays(7);
    /** Neon's {@code DEFAULT_LSN_LEASE_LENGTH}. */
    public static final Duration DEFAULT_LSN_LEASE_LENGTH = Duration.ofMinutes(10);

    public GcConfig {
        Objects.requireNonNull(pitrInterval, "pitrInterval");
        Objects.requireNonNull(lsnLeaseLength, "lsnLeaseLength");
        if (gcHorizon < 0) {
            throw new IllegalArgumentException("gcHorizon must be >= 0, got " + gcHorizon);
        }
        if (pitrInterval.isNegative() || lsnLeaseLength.isNegative()) {
            throw new IllegalArgumentException("pitrInterval and lsnLeaseLength must not be negative, got "
                    + pitrInterval + ", " + lsnLeaseLength);
        }
    }

    /** Neon's defaults: 64 MiB horizon, 7 days of PITR, 10 min leases. */
    public static GcConfig defaults() {
        return new GcConfig(DEFAULT_GC_HORIZON, DEFAULT_PITR_INTERVAL, DEFAULT_LSN_LEASE_LENGTH);
    }

    public GcConfig withGcHorizon(long bytes) {
        return new GcConfig(bytes, pitrInterval, lsnLeaseLength);
    }

    public GcConfig withPitrInterval(Duration d) {
        return new GcConfig(gcHorizon, d, lsnLeaseLength);
    }

    public GcConfig withLsnLeaseLength(Duration d) {
        return new GcConfig(gcHorizon, pitrInterval, d);
    }
}
