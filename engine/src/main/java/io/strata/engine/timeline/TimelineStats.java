package io.strata.engine.timeline;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of a timeline's write side since it was opened ({@link Timeline#stats()}). Thread-safe. */
public final class TimelineStats {
    final AtomicLong batches = new AtomicLong();
    final AtomicLong records = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong freezes = new AtomicLong();
    final AtomicLong flushes = new AtomicLong();
    final AtomicLong flushedBytes = new AtomicLong();
    final AtomicLong rollWaits = new AtomicLong();
    final AtomicLong frozenWaits = new AtomicLong();
    final AtomicLong stalls = new AtomicLong();
    final AtomicLong delays = new AtomicLong();

    TimelineStats() {
    }

    void recordBatch(int n, long b) {
        batches.incrementAndGet();
        records.addAndGet(n);
        bytes.addAndGet(b);
    }

    Snapshot snapshot(int l0Layers, int frozenLayers) {
        return new Snapshot(batches.get(), records.get(), bytes.get(), freezes.get(), flushes.get(),
                flushedBytes.get(), rollWaits.get(), frozenWaits.get(), stalls.get(), delays.get(), l0Layers,
                frozenLayers);
    }

    /**
     * The counters at one moment.
     *
     * @param batches      batches written
     * @param records      records written
     * @param bytes        serialized value bytes written
     * @param freezes      in-memory layers frozen
     * @param flushes      frozen layers flushed to L0 files (each with its index update)
     * @param flushedBytes ephemeral bytes of the flushed layers
     * @param rollWaits    rolls that waited for their flush (L0 count at the delay or stall threshold)
     * @param frozenWaits  rolls that waited because too many frozen layers were pending
     * @param stalls       times the flush loop stalled at the stall threshold
     * @param delays       flushes followed by a backpressure delay
     * @param l0Layers     L0 delta layers now
     * @param frozenLayers frozen layers waiting for their flush now
     */
    public record Snapshot(long batches, long records, long bytes, long freezes, long flushes, long flushedBytes,
                           long rollWaits, long frozenWaits, long stalls, long delays, int l0Layers,
                           int frozenLayers) {
    }
}
