package io.strata.engine.read;

/**
 * Where the read path reports what each vectored get cost; the service publishes an implementation (Micrometer),
 * tests and benchmarks use {@link ReadStats}. Called once per get, from the thread that completed it.
 */
public interface ReadMetrics {
    ReadMetrics NOOP = (keys, layersVisited, deltaLayersVisited, ios, nanos) -> { };

    /**
     * @param keys               pages returned
     * @param layersVisited      layer visits (a layer read over two LSN ranges counts twice)
     * @param deltaLayersVisited of which delta layers
     * @param ios                values read (one per (key, LSN) blob)
     * @param nanos              time from subscription to the last page (planning, I/O and reconstruction)
     */
    void onGet(int keys, int layersVisited, int deltaLayersVisited, int ios, long nanos);
}
