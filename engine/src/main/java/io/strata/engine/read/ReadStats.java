package io.strata.engine.read;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * {@link ReadMetrics} kept in HdrHistograms: layers visited per get, IOs per get, and get latency. Thread-safe;
 * {@link #snapshot()} copies the current figures.
 */
public final class ReadStats implements ReadMetrics {
    private final Histogram layers = new ConcurrentHistogram(1, 1_000_000, 2);
    private final Histogram deltaLayers = new ConcurrentHistogram(1, 1_000_000, 2);
    private final Histogram ios = new ConcurrentHistogram(1, 100_000_000, 2);
    private final Histogram micros = new ConcurrentHistogram(1, TimeUnit.HOURS.toMicros(1), 2);
    private final Histogram keys = new ConcurrentHistogram(1, 100_000_000, 2);

    @Override
    public void onGet(int keys, int layersVisited, int deltaLayersVisited, int ios, long nanos) {
        this.keys.recordValue(Math.max(0, keys));
        this.layers.recordValue(Math.max(0, layersVisited));
        this.deltaLayers.recordValue(Math.max(0, deltaLayersVisited));
        this.ios.recordValue(Math.max(0, ios));
        micros.recordValue(Math.min(micros.getHighestTrackableValue(), Math.max(0, nanos / 1000)));
    }

    /** Figures of one histogram. */
    public record Distribution(long count, double mean, long p50, long p99, long max) {
        static Distribution of(Histogram h) {
            return new Distribution(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
                    h.getValueAtPercentile(99), h.getMaxValue());
        }
    }

    /** The figures so far: per get, layers visited (all, delta), IOs, keys returned and latency in µs. */
    public record Snapshot(Distribution layersVisited, Distribution deltaLayersVisited, Distribution ios,
                           Distribution keys, Distribution latencyMicros) {
    }

    public Snapshot snapshot() {
        return new Snapshot(Distribution.of(layers.copy()), Distribution.of(deltaLayers.copy()),
                Distribution.of(ios.copy()), Distribution.of(keys.copy()), Distribution.of(micros.copy()));
    }
}
