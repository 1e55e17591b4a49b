package io.strata.engine.btree;

import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;

/** A {@link BlockReader} over a file image in a byte array; counts reads so tests can check laziness. */
final class MemoryBlockReader implements BlockReader {
    private final byte[] file;
    private final AtomicInteger reads = new AtomicInteger();

    MemoryBlockReader(byte[] file) {
        if (file.length % BtreeFormat.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("file image of " + file.length + " bytes is not whole blocks");
        }
        this.file = file;
    }

    @Override
    public Mono<DirectBuffer> read(long blockNo) {
        return Mono.fromCallable(() -> {
            reads.incrementAndGet();
            long blocks = file.length / BtreeFormat.PAGE_SIZE;
            if (blockNo < 0 || blockNo >= blocks) {
                throw new IllegalArgumentException("block " + blockNo + " is past the end of a " + blocks + "-block file");
            }
            return new UnsafeBuffer(file, (int) blockNo * BtreeFormat.PAGE_SIZE, BtreeFormat.PAGE_SIZE);
        });
    }

    int reads() {
        return reads.get();
    }

    void resetReads() {
        reads.set(0);
    }
}
