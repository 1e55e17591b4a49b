package io.strata.engine.compaction.tiered;

/** The simulator's request context: compaction passes it through untouched. */
record MockRequestContext() {
}
