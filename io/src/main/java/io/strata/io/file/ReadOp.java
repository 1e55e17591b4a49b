package io.strata.io.file;

import io.strata.io.buffer.AlignedBuffer;

/**
 * One read of a batch: {@code length} bytes at file offset {@code offset} into {@code buffer} starting at
 * {@code bufferOffset}. All four must respect the file's O_DIRECT alignment. Each op of a batch has its own buffer.
 */
public record ReadOp(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
    public ReadOp {
        if (buffer == null) {
            throw new IllegalArgumentException("buffer is null");
        }
        if (bufferOffset < 0 || length <= 0 || (long) bufferOffset + length > buffer.capacity()) {
            throw new IllegalArgumentException("read of " + length + " bytes at buffer offset " + bufferOffset
                    + " does not fit a buffer of " + buffer.capacity() + " bytes");
        }
    }

    public static ReadOp of(long offset, AlignedBuffer buffer, int length) {
        return new ReadOp(offset, buffer, 0, length);
    }
}
