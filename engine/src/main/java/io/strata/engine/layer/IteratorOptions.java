package io.strata.engine.layer;

/**
 * How a layer iterator batches its reads: Neon's StreamingVectoredReadPlanner parameters (a planned read ends at
 * {@code maxReadSize} bytes or {@code maxBatchCount} values, whichever comes first).
 */
public record IteratorOptions(long maxReadSize, int maxBatchCount) {
    /** What Neon's compaction uses for its merge iterator: 8 MiB and 1024 values. */
    public static final IteratorOptions DEFAULT = new IteratorOptions(8L << 20, 1024);

    public IteratorOptions {
        if (maxReadSize <= 0 || maxBatchCount <= 0) {
            throw new IllegalArgumentException("maxReadSize and maxBatchCount must be positive, got " + maxReadSize
                    + " and " + maxBatchCount);
        }
    }
}
