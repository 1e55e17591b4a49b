package io.strata.io.file;

/**
 * A completed read of a batch: the op's index in the batch, the op, and the bytes read (less than the op's
 * length only at end of file; 0 when the op starts at or past the end).
 */
public record ReadCompletion(int index, ReadOp op, int bytesRead) {
}
