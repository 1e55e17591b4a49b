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
 * @param pointFastPath   whether a get of one dense key is planned in one synchronous pass when every layer on its
 *                        way down can plan without waiting ({@link PointGet}); off, every get takes the general path
 */
public record ReadOptions(IoConcurrency ioConcurrency, int maxBatchKeys, int redoConcurrency, ReadMetrics metrics,
                          boolean pointFastPath) {
    public static final ReadOptions DEFAULT = new ReadOptions(IoConcurrency.CONCURRENT, 512, 32, ReadMetrics.NOOP,
            true);

    public ReadOptions {
        Objects.requireNonNull(ioConcurrency, "ioConcurrency");
        Objects.requireNonNull(metrics, "metrics");
        if (maxBatchKeys < 1 || redoConcurrency < 1) {
            throw new IllegalArgumentException("maxBatchKeys and redoConcurrency must be positive: " + maxBatchKeys
                    + ", " + redoConcurrency);
        }
    }

    public ReadOptions withIoConcurrency(IoConcurrency c) {
        return new ReadOptions(c, maxBatchKeys, redoConcurrency, metrics, pointFastPath);
    }

    public ReadOptions withMaxBatchKeys(int n) {
        return new ReadOptions(ioConcurrency, n, redoConcurrency, metrics, pointFastPath);
    }

    public ReadOptions withMetrics(ReadMetrics m) {
        return new ReadOptions(ioConcurrency, maxBatchKeys, redoConcurrency, m, pointFastPath);
    }

    public ReadOptions withPointFastPath(boolean on) {
        return new ReadOptions(ioConcurrency, maxBatchKeys, redoConcurrency, metrics, on);
    }
}
