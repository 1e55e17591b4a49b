package io.strata.engine.btree;

import org.agrona.DirectBuffer;
import reactor.core.publisher.Mono;

/**
 * Where the B-tree reader gets its nodes: 8192-byte blocks by absolute block number of the layer file. The
 * layer code adapts the block cache to it; tests read byte arrays or files directly.
 *
 * <p>Contract: the emitted buffer holds the whole block from index 0 (capacity at least 8192). It only has to
 * stay valid and unchanged until the subscriber's {@code onNext} returns: the reader decodes or copies what it
 * needs inside that call, so a cache may evict or reuse the memory afterwards. A block past the end of the file
 * is an error signal, not a short buffer.
 */
@FunctionalInterface
public interface BlockReader {
    Mono<DirectBuffer> read(long blockNo);

    /**
     * Whether every emitted buffer stays valid and unchanged for as long as anyone holds it (the block cache's
     * immutable blocks): the reader then keeps a reference instead of copying the page.
     */
    default boolean buffersStayValid() {
        return false;
    }

    /**
     * The block if it can be had without waiting (a cached block), else null. A non-null buffer follows the
     * {@link #buffersStayValid()} rules of {@link #read}.
     */
    default DirectBuffer readIfReady(long blockNo) {
        return null;
    }
}
