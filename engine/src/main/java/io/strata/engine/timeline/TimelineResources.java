package io.strata.engine.timeline;

import io.strata.engine.key.TenantId;
import io.strata.engine.layer.Generation;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.walredo.WalRedoManager;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoEngine;
import java.util.Objects;

/**
 * What the timelines of one tenant share: the io engine, buffer pools, block cache, WAL redo, and the tenant's id,
 * current generation (suffixing every layer file written) and timeline settings. Built by
 * {@link io.strata.engine.tenant.Tenant}; the engine owns and closes the shared parts.
 *
 * @param writePool   buffers of the layer and index writers (a multiple of the alignment in size)
 * @param readPool    buffers of value reads and small-file reads
 * @param maxReadSize largest vectored read of a layer file
 */
public record TimelineResources(IoEngine engine, AlignedBufferPool writePool, AlignedBufferPool readPool,
                                VectoredBlobReader blobReader, BlockCache cache, long maxReadSize,
                                WalRedoManager redo, ReadOptions readOptions, TenantId tenantId,
                                Generation generation, TimelineConfig config) {
    public TimelineResources {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(writePool, "writePool");
        Objects.requireNonNull(readPool, "readPool");
        Objects.requireNonNull(blobReader, "blobReader");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(redo, "redo");
        Objects.requireNonNull(readOptions, "readOptions");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(config, "config");
        if (generation.isNone()) {
            throw new IllegalArgumentException("a tenant that writes layers needs a generation");
        }
        if (maxReadSize <= 0) {
            throw new IllegalArgumentException("maxReadSize must be positive, got " + maxReadSize);
        }
    }

    public TimelineResources withConfig(TimelineConfig c) {
        return new TimelineResources(engine, writePool, readPool, blobReader, cache, maxReadSize, redo, readOptions,
                tenantId, generation, c);
    }
}
