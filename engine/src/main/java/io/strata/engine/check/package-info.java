/**
 * Model-based checking of a real engine: {@link io.strata.engine.check.ModelChecker} runs seeded random operations
 * (ingest, flush, L0 compaction, image creation, gc-compaction, legacy GC, branches, leases, restarts) on a
 * {@link io.strata.engine.tenant.StrataEngine} and compares every read with an in-memory {@link
 * io.strata.engine.check.Oracle}; {@link io.strata.engine.check.ConcurrentReaders} reads at the same time. Used by
 * the engine's tests and by {@code strata-perf soak}.
 */
package io.strata.engine.check;
