package io.strata.engine.layer;

/**
 * Where a finished layer's index went: what the summary records, and the resulting file size
 * ({@code (indexStartBlk + indexBlocks) * 8192}).
 */
public record IndexLayout(long indexStartBlk, long indexRootBlk, int indexBlocks, long fileSize) {
}
