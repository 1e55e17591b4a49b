package io.strata.engine.timeline;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a timeline ingests and flushes (Neon's tenant config knobs of the same names).
 *
 * @param checkpointDistance     roll (freeze) the open in-memory layer once the WAL since the last freeze, or the
 *                               layer's size, reaches this many bytes (Neon's {@code checkpoint_distance}, 256 MiB)
 * @param checkpointTimeout      roll the open layer when a write arrives this long after the layer's first write
 *                               (Neon's {@code checkpoint_timeout}, 10 min; Strata checks it on writes only, it has
 *                               no background tick)
 * @param compactionThreshold    L0 layers that make L0 compaction worth it (Neon's {@code compaction_threshold}, 10);
 *                               the backpressure thresholds are never below it
 * @param l0FlushDelayThreshold  at this many L0 layers each flush is followed by a pause as long as the flush
 *                               (halving the flush rate), and an ingest that rolls a layer waits for that layer's
 *                               flush; 0 disables (Neon's {@code l0_flush_delay_threshold}, default 3 x
 *                               compaction threshold)
 * @param l0FlushStallThreshold  at this many L0 layers flushes stop until compaction brings the count below it, and
 *                               so, through the rolls waiting for them, does ingest; 0 disables (Neon's
 *                               {@code l0_flush_stall_threshold}, disabled by default)
 * @param maxFrozenLayers        frozen layers waiting for their flush before a roll waits for the oldest one (Strata's
 *                               bound on ephemeral files and their buffers; Neon bounds ephemeral bytes globally)
 * @param ephemeralBufferSize    buffer size of the in-memory layers' ephemeral files (a multiple of the O_DIRECT
 *                               alignment)
 * @param ephemeralWritesInFlight full ephemeral buffers being written at once per in-memory layer
 * @param gc                     garbage collection: horizon, PITR interval, LSN lease length
 */
public record TimelineConfig(long checkpointDistance, Duration checkpointTimeout, int compactionThreshold,
                             int l0FlushDelayThreshold, int l0FlushStallThreshold, int maxFrozenLayers,
                             int ephemeralBufferSize, int ephemeralWritesInFlight, GcConfig gc) {
    /** Neon's {@code DEFAULT_CHECKPOINT_DISTANCE}. */
    public static final long DEFAULT_CHECKPOINT_DISTANCE = 256L << 20;

    public TimelineConfig {
        Objects.requireNonNull(checkpointTimeout, "checkpointTimeout");
        Objects.requireNonNull(gc, "gc");
        if (checkpointDistance <= 0) {
            throw new IllegalArgumentException("checkpointDistance must be positive, got " + checkpointDistance);
        }
        if (checkpointTimeout.isNegative() || checkpointTimeout.isZero()) {
            throw new IllegalArgumentException("checkpointTimeout must be positive, got " + checkpointTimeout);
        }
        if (compactionThreshold < 1) {
            throw new IllegalArgumentException("compactionThreshold must be >= 1, got " + compactionThreshold);
        }
        if (l0FlushDelayThreshold < 0 || l0FlushStallThreshold < 0) {
            throw new IllegalArgumentException("L0 thresholds must be >= 0 (0 disables), got delay "
                    + l0FlushDelayThreshold + ", stall " + l0FlushStallThreshold);
        }
        if (maxFrozenLayers < 1) {
            throw new IllegalArgumentException("maxFrozenLayers must be >= 1, got " + maxFrozenLayers);
        }
        if (ephemeralBufferSize < 4096 || Integer.bitCount(ephemeralBufferSize) != 1) {
            throw new IllegalArgumentException("ephemeralBufferSize must be a power of two >= 4096, got "
                    + ephemeralBufferSize);
        }
        if (ephemeralWritesInFlight < 1) {
            throw new IllegalArgumentException("ephemeralWritesInFlight must be >= 1, got " + ephemeralWritesInFlight);
        }
    }

    /**
     * Neon's defaults: 256 MiB, 10 min, compaction at 10 L0s, delay at 30, no stall; 4 frozen layers, 64 KiB; Neon's
     * GC defaults.
     */
    public static TimelineConfig defaults() {
        return new TimelineConfig(DEFAULT_CHECKPOINT_DISTANCE, Duration.ofMinutes(10), 10, 30, 0, 4, 64 * 1024, 2,
                GcConfig.defaults());
    }

    public TimelineConfig withGc(GcConfig g) {
        return new TimelineConfig(checkpointDistance, checkpointTimeout, compactionThreshold, l0FlushDelayThreshold,
                l0FlushStallThreshold, maxFrozenLayers, ephemeralBufferSize, ephemeralWritesInFlight, g);
    }

    public TimelineConfig withCheckpointDistance(long bytes) {
        return new TimelineConfig(bytes, checkpointTimeout, compactionThreshold, l0FlushDelayThreshold,
                l0FlushStallThreshold, maxFrozenLayers, ephemeralBufferSize, ephemeralWritesInFlight, gc);
    }

    public TimelineConfig withCheckpointTimeout(Duration d) {
        return new TimelineConfig(checkpointDistance, d, compactionThreshold, l0FlushDelayThreshold,
                l0FlushStallThreshold, maxFrozenLayers, ephemeralBufferSize, ephemeralWritesInFlight, gc);
    }

    public TimelineConfig withCompactionThreshold(int n) {
        return new TimelineConfig(checkpointDistance, checkpointTimeout, n, l0FlushDelayThreshold,
                l0FlushStallThreshold, maxFrozenLayers, ephemeralBufferSize, ephemeralWritesInFlight, gc);
    }

    /** @param delay 0 disables the delay; @param stall 0 disables the stall */
    public TimelineConfig withL0FlushThresholds(int delay, int stall) {
        return new TimelineConfig(checkpointDistance, checkpointTimeout, compactionThreshold, delay, stall,
                maxFrozenLayers, ephemeralBufferSize, ephemeralWritesInFlight, gc);
    }

    public TimelineConfig withMaxFrozenLayers(int n) {
        return new TimelineConfig(checkpointDistance, checkpointTimeout, compactionThreshold, l0FlushDelayThreshold,
                l0FlushStallThreshold, n, ephemeralBufferSize, ephemeralWritesInFlight, gc);
    }

    public TimelineConfig withEphemeralBuffers(int size, int writesInFlight) {
        return new TimelineConfig(checkpointDistance, checkpointTimeout, compactionThreshold, l0FlushDelayThreshold,
                l0FlushStallThreshold, maxFrozenLayers, size, writesInFlight, gc);
    }

    /** Neon's {@code get_l0_flush_delay_threshold}: empty when disabled, else at least the compaction threshold. */
    public OptionalInt effectiveL0FlushDelayThreshold() {
        return l0FlushDelayThreshold == 0 ? OptionalInt.empty()
                : OptionalInt.of(Math.max(l0FlushDelayThreshold, compactionThreshold));
    }

    /** Neon's {@code get_l0_flush_stall_threshold}: empty when disabled, else at least the compaction threshold. */
    public OptionalInt effectiveL0FlushStallThreshold() {
        return l0FlushStallThreshold == 0 ? OptionalInt.empty()
                : OptionalInt.of(Math.max(l0FlushStallThreshold, compactionThreshold));
    }

    /**
     * Buffers an in-memory layer's pool needs so that the open layer and {@code maxFrozenLayers} frozen ones (each
     * holding a tail and its writes in flight) never starve the reads and the flush: those, plus reads.
     */
    int ephemeralPoolBuffers() {
        return (maxFrozenLayers + 1) * (1 + ephemeralWritesInFlight) + 8;
    }
}
