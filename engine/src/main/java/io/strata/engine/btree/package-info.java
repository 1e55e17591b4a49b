/**
 * Neon's static on-disk B-tree (FORMAT.md section 7): the index region of image and delta layer files.
 *
 * <p>{@link io.strata.engine.btree.DiskBtreeBuilder} turns strictly increasing fixed-length keys with 40-bit values
 * into 8 KiB nodes byte-identical to Neon's; {@link io.strata.engine.btree.DiskBtreeReader} answers point lookups
 * and streams entries forwards or backwards through a {@link io.strata.engine.btree.BlockReader}. The package
 * knows nothing about layer keys or LSNs: a key is just {@code keyLen} bytes compared unsigned.
 */
package io.strata.engine.btree;
