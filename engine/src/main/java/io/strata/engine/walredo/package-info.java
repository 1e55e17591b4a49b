/**
 * WAL redo for the read path (Neon's {@code walredo.rs} and {@code walredo/apply_neon.rs}): reconstructs a page
 * at an LSN from its base image and the WAL records above it.
 *
 * <p>{@link io.strata.engine.walredo.WalRedoManager} is the pluggable interface;
 * {@link io.strata.engine.walredo.NeonWalRedo} the built-in manager, which applies every record that is not
 * PostgreSQL's own exactly as Neon's {@code apply_in_neon} does, plus Strata's
 * {@link io.strata.engine.value.NeonWalRecord.Physical}. PostgreSQL records need a PostgreSQL wal-redo process,
 * which Strata does not have: they fail with a {@link io.strata.engine.walredo.WalRedoException} unless a
 * {@link io.strata.engine.walredo.PostgresWalRedo} is plugged in.
 */
package io.strata.engine.walredo;
