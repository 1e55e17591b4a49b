package io.strata.engine.read;

import java.util.Objects;

/**
 * How a timeline reads.
 *
 * @param ioConcurrency   whether a layer's IOs overlap the planning of the next layer
 * @param maxBatchKeys    most keys one descent through the layers handles; larger requests are cut into batches
 *                        read one after another as the subscriber asks for pages
 * @param redoConcurrency pages of a batch reconstructed at once (their IOs are already in flight)
 * @param metrics         where each batch's figures go
 */
public record ReadOptions(IoConcurrency ioConcurrency, int maxBatchKeys, int redoConcurrency, ReadMetrics metrics) {
    public static final ReadOptions DEFAULT = new ReadOptions(IoConcurrency.CONCURRENT, 512, 32, ReadMetrics.NOOP);

    public ReadOptions {
        Objects.requireNonNull(ioConcurrency, "ioConcurrency");
        Objects.requireNonNull(metrics, "metrics");
        if (maxBatchKeys < 1 || redoConcurrency < 1) {
            throw new IllegalArgumentException("maxBatchKeys and redoConcurrency must be positive: " + maxBatchKeys
                    + ", " + redoConcurrency);
        }
    }

    public ReadOptions withIoConcurrency(IoConcurrency c) {
        return new ReadOptions(c, maxBatchKeys, redoConcurrency, metrics);
    }

    public ReadOptions withMaxBatchKeys(int n) {
        return new ReadOptions(ioConcurrency, n, redoConcurrency, metrics);
    }

    public ReadOptions withMetrics(ReadMetrics m) {
        return new ReadOptions(ioConcurrency, maxBatchKeys, redoConcurrency, m);
    }
}
