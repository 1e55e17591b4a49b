/**
 * Strata's engine: keys, layers (Neon's image and delta layer format), timelines and compaction.
 * It reaches files only through {@code io.strata.io}. Filled in by the layer-format work (issue 3) onwards.
 */
package io.strata.engine;
