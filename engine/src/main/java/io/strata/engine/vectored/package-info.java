/**
 * Vectored reads of blobs (Neon's {@code vectored_blob_io}, FORMAT 11): planners that turn B-tree index
 * entries into few, chunk-aligned file reads, helpers that feed them from an image or delta index, and a
 * {@link io.strata.engine.vectored.VectoredBlobReader} that executes each planned read as one O_DIRECT read and
 * hands out the blobs as views of that buffer.
 *
 * <p>Planned ranges only size the reads; blob lengths always come from the blob headers (FORMAT 6.2).
 */
package io.strata.engine.vectored;
