/**
 * Layer files: for now their names ({@link io.strata.engine.layer.LayerName}, FORMAT section 5), parsed with
 * Neon's exact rules so that Strata and Neon recognise the same files in a timeline directory.
 */
package io.strata.engine.layer;
