package io.strata.engine.blob;

import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;

/** Views of Agrona buffers as {@link ByteBuffer}s for zstd-jni, copying only when there is nothing to view. */
final class ByteBuffers {
    private ByteBuffers() {
    }

    /** {@code [index, index + length)} of {@code src} as a ByteBuffer positioned at its start. */
    static ByteBuffer view(DirectBuffer src, int index, int length) {
        byte[] array = src.byteArray();
        if (array != null) {
            return ByteBuffer.wrap(array, (int) src.wrapAdjustment() + index, length).slice();
        }
        ByteBuffer bb = src.byteBuffer();
        if (bb != null) {
            int start = (int) src.wrapAdjustment() + index;
            return bb.duplicate().clear().position(start).limit(start + length).slice();
        }
        byte[] copy = new byte[length];
        src.getBytes(index, copy);
        return ByteBuffer.wrap(copy);
    }
}
