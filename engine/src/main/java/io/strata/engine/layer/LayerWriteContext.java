package io.strata.engine.layer;

import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.IoEngine;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and for whom layer writers write: the engine and write buffers, the timeline directory, the ids that go
 * into every summary, and the generation that suffixes the final file names ({@code -v1-<gen>}).
 *
 * @param pool write buffers for {@link io.strata.io.write.DirectFileWriter}; their size must be a multiple of
 *             the file system's O_DIRECT alignment
 */
public record LayerWriteContext(IoEngine engine, AlignedBufferPool pool, Path timelineDir, TenantId tenantId,
                                TimelineId timelineId, Generation generation) {
    public LayerWriteContext {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(timelineDir, "timelineDir");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(timelineId, "timelineId");
        Objects.requireNonNull(generation, "generation");
    }

    /** The final path of a layer: {@code <timelineDir>/<LayerName>[-v1-<gen>]}. */
    public Path finalPath(LayerName name) {
        return timelineDir.resolve(name.localFileName(generation));
    }
}
