package io.strata.perf;

import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import java.nio.file.Path;

/** One measured run of a Strata engine on one file: open, lease the buffers, run the closed loop, close. */
final class EngineRun {
    private EngineRun() {
    }

    /** {@code preallocate}: bytes to fallocate before the run (a new file for writes), or 0. */
    static EngineResult run(BenchEngine kind, IoEngine engine, Path path, OpenMode mode,
                            ClosedLoopRun.Settings settings, OffsetPlan plan, CpuClock cpu, long preallocate)
            throws InterruptedException {
        DirectFile file = engine.open(path, mode).block();
        try {
            if (preallocate > 0) {
                file.fallocate(0, preallocate).block();
            }
            // One buffer per transfer in flight, and at least a huge page's worth, as in the engine's own read
            // pool (256 x 16 KiB), so that small transfers land in huge pages as they do there.
            int capacity = Math.max(Math.max(2, settings.qd()), AlignedBufferPool.HUGE_PAGE / settings.block());
            AlignedBufferPool pool = new AlignedBufferPool(settings.block(), capacity, file.alignment());
            engine.adviseHugePages(pool).block(); // as the engine does for its own pools
            EngineResult r = ClosedLoopRun.run(kind.label(), file, pool, settings, plan, cpu);
            pool.assertNoLeaks();
            return r;
        } finally {
            file.close().block();
        }
    }
}
