package io.strata.engine.compaction;

import io.strata.engine.compaction.gc.GcCompactionSettings;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import java.util.Objects;

/**
 * The engine's background compaction settings.
 *
 * @param enabled           run the {@link CompactionScheduler} (tests and tools that compact by hand turn it off)
 * @param maxConcurrentJobs jobs at once across the engine's timelines
 * @param memoryBudget      bytes the running jobs may claim together, by their estimates
 * @param bufferSize        size of the compaction read buffers (a power of two, at least the O_DIRECT alignment)
 * @param buffers           compaction read buffers shared by the jobs
 * @param imageCreation     the background pass's image layer creation (thresholds, target size, compression)
 * @param gcCompaction      the background pass's gc-compaction queue (automatic triggers, verification)
 */
public record CompactionConfig(boolean enabled, int maxConcurrentJobs, long memoryBudget,
                               int bufferSize, int buffers, ImageLayerCreationConfig imageCreation,
                               GcCompactionSettings gcCompaction) {
    public CompactionConfig {
        Objects.requireNonNull(imageCreation, "imageCreation");
        Objects.requireNonNull(gcCompaction, "gcCompaction");
        if (maxConcurrentJobs < 1 || memoryBudget <= 0 || bufferSize < 4096 || Integer.bitCount(bufferSize) != 1
                || buffers < 4) {
            throw new IllegalArgumentException("invalid compaction settings: jobs " + maxConcurrentJobs + ", budget "
                    + memoryBudget + ", buffers " + buffers + " x " + bufferSize);
        }
    }

    /** Default compaction read buffer: twice the merges' 1 MiB reads. */
    public static final int DEFAULT_BUFFER_SIZE = 2 << 20;
    /** Default number of compaction read buffers (32 MiB of direct memory). */
    public static final int DEFAULT_BUFFERS = 16;

    /**
     * On (Neon's legacy algorithm), two jobs, 256 MiB of estimates, 16 buffers of 2 MiB, Neon's image creation and
     * gc-compaction defaults. A buffer holds one planned read of the merges (1 MiB, plus the blob that crosses the
     * end and the O_DIRECT widening): with smaller buffers every read allocated (and zeroed) a direct buffer of its
     * own, a fifth of gc-compaction's CPU.
     */
    public static CompactionConfig defaults() {
        return new CompactionConfig(true, 2, 256L << 20, DEFAULT_BUFFER_SIZE, DEFAULT_BUFFERS,
                ImageLayerCreationConfig.defaults(),
                GcCompactionSettings.defaults());
    }

    public CompactionConfig withEnabled(boolean e) {
        return new CompactionConfig(e, maxConcurrentJobs, memoryBudget, bufferSize, buffers, imageCreation,
                gcCompaction);
    }

    public CompactionConfig withMaxConcurrentJobs(int n) {
        return new CompactionConfig(enabled, n, memoryBudget, bufferSize, buffers, imageCreation, gcCompaction);
    }

    public CompactionConfig withMemoryBudget(long bytes) {
        return new CompactionConfig(enabled, maxConcurrentJobs, bytes, bufferSize, buffers, imageCreation,
                gcCompaction);
    }

    public CompactionConfig withImageCreation(ImageLayerCreationConfig c) {
        return new CompactionConfig(enabled, maxConcurrentJobs, memoryBudget, bufferSize, buffers, c, gcCompaction);
    }

    public CompactionConfig withGcCompaction(GcCompactionSettings s) {
        return new CompactionConfig(enabled, maxConcurrentJobs, memoryBudget, bufferSize, buffers, imageCreation, s);
    }
}
