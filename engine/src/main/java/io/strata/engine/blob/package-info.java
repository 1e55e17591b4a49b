/**
 * Blobs, the length-prefixed payloads of a layer's values region (FORMAT 6 and 14): their headers, zstd
 * compression of image blobs, a buffered {@link io.strata.engine.blob.BlobWriter} in front of the io module's
 * file writer, and a {@link io.strata.engine.blob.BlobReader} over windows of planned reads.
 */
package io.strata.engine.blob;
