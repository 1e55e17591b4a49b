/**
 * Neon's addressing vocabulary: {@link io.strata.engine.key.Key}, {@link io.strata.engine.key.Lsn}, key ranges
 * and key spaces, tenant/timeline ids and the key-to-shard mapping, all encoded exactly as Neon's pageserver
 * does (FORMAT sections 3 and 4) so that layer files stay byte-identical.
 */
package io.strata.engine.key;
