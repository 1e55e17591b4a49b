/**
 * Neon's layer map: which layers a timeline has and which one a read of a key at an LSN goes to next
 * ({@link io.strata.engine.layermap.LayerMap}). Immutable versions, each change a new map; historic layers are
 * indexed by a coverage per LSN ({@code HistoricLayerCoverage}) built from persistent sorted maps that share
 * structure between versions, as Neon's is on a persistent red-black tree.
 */
package io.strata.engine.layermap;
