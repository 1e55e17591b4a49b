package io.strata.engine.layer;

import io.strata.engine.btree.BlockReader;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.DirectFile;
import java.util.Objects;
import org.agrona.DirectBuffer;
import reactor.core.publisher.Mono;

/**
 * The B-tree's block source for a layer file: absolute blocks through the shared {@link BlockCache}, so hot index
 * nodes are read from disk once. A hit allocates nothing (the cache keeps one Mono per block).
 */
public record CachedBlockReader(BlockCache cache, DirectFile file) implements BlockReader {
    public CachedBlockReader {
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(file, "file");
    }

    @Override
    public Mono<DirectBuffer> read(long blockNo) {
        return cache.get(file, blockNo);
    }

    @Override
    public DirectBuffer readIfReady(long blockNo) {
        return cache.getIfCached(file, blockNo);
    }

    /** Cached blocks are immutable and outlive their eviction. */
    @Override
    public boolean buffersStayValid() {
        return true;
    }
}
