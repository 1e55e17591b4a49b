/**
 * The read path (Neon's {@code get_vectored}): per-key {@link io.strata.engine.read.ValuesReconstructState},
 * the {@link io.strata.engine.read.LayerFringe} of layers still to visit, the layers as the read path sees them
 * ({@link io.strata.engine.read.ReadableLayer}) and page reconstruction. Planning a layer yields one IO future per
 * (key, LSN) blob; the IOs of a layer run while the next layer is planned.
 */
package io.strata.engine.read;
