package io.strata.engine.tenant;

import io.strata.engine.key.TenantId;
import io.strata.engine.layer.Generation;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.timeline.TimelineConfig;
import io.strata.engine.timeline.TimelineResources;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.walredo.WalRedoManager;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoEngine;

/**
 * What every tenant of an engine shares; a tenant adds its id and generation. {@code timelineAdded} hears of every
 * timeline a tenant loads or creates (the compaction scheduler registers it), {@code timelineRemoved} of every
 * timeline a tenant deletes.
 */
record SharedResources(IoEngine engine, AlignedBufferPool writePool, AlignedBufferPool readPool,
                       VectoredBlobReader blobReader, BlockCache cache, long maxReadSize, WalRedoManager redo,
                       ReadOptions readOptions, TimelineConfig timelineConfig,
                       java.util.function.Consumer<io.strata.engine.timeline.Timeline> timelineAdded,
                       java.util.function.Consumer<io.strata.engine.timeline.Timeline> timelineRemoved) {
    TimelineResources forTenant(TenantId id, Generation generation) {
        return new TimelineResources(engine, writePool, readPool, blobReader, cache, maxReadSize, redo, readOptions,
                id, generation, timelineConfig);
    }
}
