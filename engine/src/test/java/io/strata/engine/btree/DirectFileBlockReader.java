package io.strata.engine.btree;

import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;

/**
 * A {@link BlockReader} over a real file: one O_DIRECT read of an 8 KiB block into a pooled aligned buffer, copied
 * into a fresh array so the buffer goes straight back to the pool. Good enough for tests; layers use the cache.
 */
final class DirectFileBlockReader implements BlockReader {
    private final DirectFile file;
    private final AlignedBufferPool pool;

    DirectFileBlockReader(DirectFile file, AlignedBufferPool pool) {
        this.file = file;
        this.pool = pool;
    }

    @Override
    public Mono<DirectBuffer> read(long blockNo) {
        return Mono.usingWhen(pool.lease(),
                buf -> file.read(blockNo * BtreeFormat.PAGE_SIZE, buf, BtreeFormat.PAGE_SIZE).map(n -> {
                    if (n != BtreeFormat.PAGE_SIZE) {
                        throw new IllegalStateException("short read of block " + blockNo + " in " + file.path() + ": "
                                + n + " bytes");
                    }
                    byte[] copy = new byte[BtreeFormat.PAGE_SIZE];
                    buf.view().getBytes(0, copy);
                    return (DirectBuffer) new UnsafeBuffer(copy);
                }),
                buf -> Mono.fromRunnable(buf::release));
    }
}
