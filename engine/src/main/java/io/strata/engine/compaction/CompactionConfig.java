package io.strata.engine.compaction;


/**
 * The engine's background compaction settings.
 *
 * @param enabled           run the {@link CompactionScheduler} (tests and tools that compact by hand turn it off)
 * @param maxConcurrentJobs jobs at once across the engine's timelines
 * @param memoryBudget      bytes the running jobs may claim together, by their estimates
 * @param bufferSize        size of the compaction read buffers (a power of two, at least the O_DIRECT alignment)
 * @param buffers           compaction read buffers shared by the jobs
 */
public record CompactionConfig(boolean enabled, int maxConcurrentJobs, long memoryBudget,
                               int bufferSize, int buffers) {
    public CompactionConfig {
        if (maxConcurrentJobs < 1 || memoryBudget <= 0 || bufferSize < 4096 || Integer.bitCount(bufferSize) != 1
                || buffers < 4) {
            throw new IllegalArgumentException("invalid compaction settings: jobs " + maxConcurrentJobs + ", budget "
                    + memoryBudget + ", buffers " + buffers + " x " + bufferSize);
        }
    }

    /** On (Neon's legacy algorithm), two jobs, 256 MiB of estimates, 64 buffers of 256 KiB. */
    public static CompactionConfig defaults() {
        return new CompactionConfig(true, 2, 256L << 20, 256 * 1024, 64);
    }

    public CompactionConfig withEnabled(boolean e) {
        return new CompactionConfig(e, maxConcurrentJobs, memoryBudget, bufferSize, buffers);
    }

    public CompactionConfig withMaxConcurrentJobs(int n) {
        return new CompactionConfig(enabled, n, memoryBudget, bufferSize, buffers);
    }
}
