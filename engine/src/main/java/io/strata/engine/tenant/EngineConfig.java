package io.strata.engine.tenant;

import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.read.ReadOptions;
import io.strata.engine.timeline.TimelineConfig;
import io.strata.engine.vectored.VectoredReadPlanner;
import io.strata.engine.walredo.NeonWalRedo;
import io.strata.engine.walredo.WalRedoManager;
import io.strata.io.file.IoConfig;
import java.util.Objects;

/**
 * How a {@link StrataEngine} runs.
 *
 * @param io               the io engine's settings; the O_DIRECT alignment is raised to what the data directory's
 *                         file system needs
 * @param timeline         ingest, flush and backpressure settings of every timeline
 * @param writeBufferSize  buffer size of the layer and index writers (a power of two, at least the alignment)
 * @param writeBuffers     writer buffers shared by all timelines (writers wait for one, never deadlock)
 * @param readBufferSize   buffer size of value reads
 * @param readBuffers      read buffers shared by all reads
 * @param blockCacheBlocks 8 KiB blocks of the block cache (layer indexes)
 * @param maxReadSize      largest vectored read of a layer file
 * @param redo             WAL redo for reads
 * @param readOptions      read path settings
 * @param compaction       background compaction
 */
public record EngineConfig(IoConfig io, TimelineConfig timeline, int writeBufferSize, int writeBuffers,
                           int readBufferSize, int readBuffers, int blockCacheBlocks, long maxReadSize,
                           WalRedoManager redo, ReadOptions readOptions, CompactionConfig compaction) {
    public EngineConfig {
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(redo, "redo");
        Objects.requireNonNull(readOptions, "readOptions");
        Objects.requireNonNull(compaction, "compaction");
        if (writeBufferSize < 4096 || Integer.bitCount(writeBufferSize) != 1 || readBufferSize < 4096
                || Integer.bitCount(readBufferSize) != 1) {
            throw new IllegalArgumentException("buffer sizes must be powers of two >= 4096, got write "
                    + writeBufferSize + ", read " + readBufferSize);
        }
        if (writeBuffers < 2 || readBuffers < 2 || blockCacheBlocks < 16 || maxReadSize <= 0) {
            throw new IllegalArgumentException("need at least 2 write and read buffers, 16 cache blocks and a "
                    + "positive max read size");
        }
    }

    /**
     * 256 KiB x 64 write buffers (a layer writer keeps up to 32 writes in flight, so two writers run at full depth),
     * 16 KiB x 256 read buffers, 32 MiB of block cache, Neon's timeline defaults.
     */
    public static EngineConfig defaults() {
        return new EngineConfig(IoConfig.defaults(), TimelineConfig.defaults(), 256 * 1024, 64, 16 * 1024, 256,
                4096, VectoredReadPlanner.DEFAULT_MAX_READ_SIZE, new NeonWalRedo(), ReadOptions.DEFAULT,
                CompactionConfig.defaults());
    }

    public EngineConfig withIo(IoConfig c) {
        return new EngineConfig(c, timeline, writeBufferSize, writeBuffers, readBufferSize, readBuffers,
                blockCacheBlocks, maxReadSize, redo, readOptions, compaction);
    }

    public EngineConfig withTimeline(TimelineConfig c) {
        return new EngineConfig(io, c, writeBufferSize, writeBuffers, readBufferSize, readBuffers,
                blockCacheBlocks, maxReadSize, redo, readOptions, compaction);
    }

    public EngineConfig withWriteBuffers(int size, int count) {
        return new EngineConfig(io, timeline, size, count, readBufferSize, readBuffers, blockCacheBlocks,
                maxReadSize, redo, readOptions, compaction);
    }

    public EngineConfig withBlockCacheBlocks(int n) {
        return new EngineConfig(io, timeline, writeBufferSize, writeBuffers, readBufferSize, readBuffers, n,
                maxReadSize, redo, readOptions, compaction);
    }

    public EngineConfig withRedo(WalRedoManager r) {
        return new EngineConfig(io, timeline, writeBufferSize, writeBuffers, readBufferSize, readBuffers,
                blockCacheBlocks, maxReadSize, r, readOptions, compaction);
    }

    public EngineConfig withCompaction(CompactionConfig c) {
        return new EngineConfig(io, timeline, writeBufferSize, writeBuffers, readBufferSize, readBuffers,
                blockCacheBlocks, maxReadSize, redo, readOptions, c);
    }

    public EngineConfig withReadOptions(ReadOptions o) {
        return new EngineConfig(io, timeline, writeBufferSize, writeBuffers, readBufferSize, readBuffers,
                blockCacheBlocks, maxReadSize, redo, o, compaction);
    }
}
