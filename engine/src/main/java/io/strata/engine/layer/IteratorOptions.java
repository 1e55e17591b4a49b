package io.strata.engine.layer;

import io.strata.engine.vectored.StreamingVectoredReadPlanner;

/**
 * How a layer iterator batches its reads: Neon's StreamingVectoredReadPlanner parameters (a planned read ends at
 * {@code maxReadSize} bytes or {@code maxBatchCount} values, whichever comes first), and how many hops of reads
 * (see {@link LayerIteration}) it keeps in flight while its consumer works.
 *
 * <p>{@code hopsInFlight} trades memory for throughput: one hop in flight leaves the disk idle while the index is
 * walked for the next one and between a hop's completion and the next submission (a single sequential read at a
 * time); two keep the disk busy on a lone scan. An iterator holds the decoded values of up to
 * {@code hopsInFlight + 1} hops, so a merge of many layers (compaction) multiplies it by its layer count.
 *
 * <p>{@code maxReadSpan} (Strata's, unlimited by default) also ends a read before it would cover more than that
 * many bytes once widened to the file's alignment: set it to the largest read the block device serves as one
 * request ({@code io.strata.io.file.BlockDeviceLimits}), so that reads are not split (see
 * {@link io.strata.engine.vectored.StreamingVectoredReadPlanner}).
 */
public record IteratorOptions(long maxReadSize, int maxBatchCount, int hopsInFlight, long maxReadSpan) {
    /** What Neon's compaction uses for its merge iterator: 8 MiB and 1024 values; one hop in flight. */
    public static final IteratorOptions DEFAULT = new IteratorOptions(8L << 20, 1024);

    public IteratorOptions {
        if (maxReadSize <= 0 || maxBatchCount <= 0) {
            throw new IllegalArgumentException("maxReadSize and maxBatchCount must be positive, got " + maxReadSize
                    + " and " + maxBatchCount);
        }
        if (hopsInFlight < 1 || hopsInFlight > 64) {
            throw new IllegalArgumentException("hopsInFlight must be in [1, 64], got " + hopsInFlight);
        }
        if (maxReadSpan <= 0) {
            throw new IllegalArgumentException("maxReadSpan must be positive, got " + maxReadSpan);
        }
    }

    /** No span limit (Neon's planner). */
    public IteratorOptions(long maxReadSize, int maxBatchCount, int hopsInFlight) {
        this(maxReadSize, maxBatchCount, hopsInFlight, StreamingVectoredReadPlanner.NO_SPAN_LIMIT);
    }

    /** These options with reads of at most {@code span} bytes once aligned; {@code Long.MAX_VALUE}: unlimited. */
    public IteratorOptions withMaxReadSpan(long span) {
        return new IteratorOptions(maxReadSize, maxBatchCount, hopsInFlight, span);
    }

    /** One hop in flight: the lowest memory per iterator, for merges of many layers. */
    public IteratorOptions(long maxReadSize, int maxBatchCount) {
        this(maxReadSize, maxBatchCount, 1);
    }
}
