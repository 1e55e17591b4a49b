/**
 * Neon's legacy compaction ({@code compact_legacy}): L0 compaction into L1 delta layers, image layer creation and
 * shard-ancestor rewrites.
 */
package io.strata.engine.compaction.legacy;
