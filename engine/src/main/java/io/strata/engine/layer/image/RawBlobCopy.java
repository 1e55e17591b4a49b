package io.strata.engine.layer.image;

import io.strata.engine.key.Key;
import io.strata.engine.vectored.VectoredBlobs;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The blobs of one completed filter read copied out of the pooled read buffer as stored (header included), so the
 * buffer goes back to the pool at once while the writer, which may have to flush between puts, takes its time.
 * One heap array per read, not per blob.
 */
final class RawBlobCopy {
    private final Key[] keys;
    private final int[] ends;
    private final UnsafeBuffer bytes;

    private RawBlobCopy(Key[] keys, int[] ends, byte[] bytes) {
        this.keys = keys;
        this.ends = ends;
        this.bytes = new UnsafeBuffer(bytes);
    }

    static RawBlobCopy of(VectoredBlobs blobs) {
        int n = blobs.size();
        Key[] keys = new Key[n];
        int[] ends = new int[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            keys[i] = blobs.meta(i).key();
            total += blobs.raw(i).capacity();
            ends[i] = total;
        }
        byte[] bytes = new byte[total];
        for (int i = 0; i < n; i++) {
            DirectBuffer raw = blobs.raw(i);
            raw.getBytes(0, bytes, ends[i] - raw.capacity(), raw.capacity());
        }
        return new RawBlobCopy(keys, ends, bytes);
    }

    int size() {
        return keys.length;
    }

    /** Appends every blob to {@code writer} unchanged (Neon's {@code put_image_raw}), waiting for each flush. */
    Mono<Void> putInto(ImageLayerWriter writer) {
        return Flux.range(0, keys.length)
                .concatMap(i -> {
                    int start = i == 0 ? 0 : ends[i - 1];
                    return writer.putImageRaw(keys[i], bytes, start, ends[i] - start);
                }, 0)
                .then();
    }
}
