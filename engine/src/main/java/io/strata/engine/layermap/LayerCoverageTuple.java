package io.strata.engine.layermap;

/**
 * Image and delta coverage at one LSN (Neon's {@code LayerCoverageTuple}); both persistent, so a copy is free.
 *
 * @param imageCoverage newest image layer per key
 * @param deltaCoverage newest delta layer per key
 */
record LayerCoverageTuple<V>(LayerCoverage<V> imageCoverage, LayerCoverage<V> deltaCoverage) {
    static <V> LayerCoverageTuple<V> empty() {
        return new LayerCoverageTuple<>(LayerCoverage.empty(), LayerCoverage.empty());
    }
}
