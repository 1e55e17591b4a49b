package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import java.time.Instant;
import java.util.Objects;

/**
 * Neon's {@code LsnLease}: a promise that GC keeps what reads at {@code lsn} need until {@code validUntil}. Leases
 * live in memory, as in Neon; after a restart GC waits one lease length so clients can renew them.
 */
public record LsnLease(Lsn lsn, Instant validUntil) {
    public LsnLease {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(validUntil, "validUntil");
    }

    public boolean isExpired(Instant now) {
        return !now.isBefore(validUntil);
    }
}
