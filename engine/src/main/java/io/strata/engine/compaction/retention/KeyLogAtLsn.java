package io.strata.engine.compaction.retention;

import java.util.List;

/**
 * The versions of one key kept for one LSN of a retention (Neon's {@code KeyLogAtLsn}), in ascending LSN order:
 * below the horizon, what reconstructs the key at the retain LSN on top of the previous buckets; above it, every
 * version.
 */
public record KeyLogAtLsn(List<LsnValue> logs) {
    public KeyLogAtLsn {
        logs = List.copyOf(logs);
    }

    public static KeyLogAtLsn of(LsnValue... logs) {
        return new KeyLogAtLsn(List.of(logs));
    }

    public boolean isEmpty() {
        return logs.isEmpty();
    }
}
