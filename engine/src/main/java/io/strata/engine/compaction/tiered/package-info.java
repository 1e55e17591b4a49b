/**
 * Tiered compaction, a port of Neon's {@code pageserver_compaction} crate: the algorithm decides which
 * layers to rewrite and an executor does the rewriting.
 *
 * <ul>
 *   <li>{@link io.strata.engine.compaction.tiered.CompactionJobExecutor} is Neon's trait of the same name: what
 *       the algorithm needs from a timeline (layers, key space, shard) and the jobs it hands back (create an
 *       image, create a delta, delete a layer). Everything that may do I/O returns a {@code Mono} or {@code Flux}.
 *       It is generic over the executor's key, layer, delta layer and request context types, as Neon's is;
 *       {@link io.strata.engine.compaction.tiered.CompactionKey} is Neon's key trait as a type class, with
 *       {@link io.strata.engine.compaction.tiered.PageCompactionKey} for Strata's {@link io.strata.engine.key.Key}.</li>
 *   <li>{@link io.strata.engine.compaction.tiered.IdentifyLevels} ({@code identify_levels.rs}) finds the layers of
 *       one level by their shapes; {@link io.strata.engine.compaction.tiered.Level#depth} counts its tiers.</li>
 *   <li>{@link io.strata.engine.compaction.tiered.CompactTiered} ({@code compact_tiered.rs}) compacts a level
 *       once it holds {@code fanout} tiers: it either covers the level with image layers or re-tiles its deltas
 *       into layers of about the target file size, splitting one key by LSN when it alone is too large.</li>
 *   <li>{@link io.strata.engine.compaction.tiered.CompactionHelpers} ({@code helpers.rs}): key space arithmetic
 *       and the streaming k-way merge of delta layer entries that executors also use to write new deltas.</li>
 * </ul>
 *
 * <p>Nothing here knows about timelines: the timeline provides an executor. The tests hold Neon's simulator
 * ({@code MockTimeline}), an executor over in-memory layers.
 */
package io.strata.engine.compaction.tiered;
