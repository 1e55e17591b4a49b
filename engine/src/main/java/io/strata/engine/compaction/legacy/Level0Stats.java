package io.strata.engine.compaction.legacy;

import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.timeline.Timeline;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Neon's {@code CompactLevel0Phase1Stats} of one L0 compaction pass: how long each phase took (microseconds since
 * the pass started) and what went in and out. Phases Strata does not have as such map to the nearest one:
 * Neon's "key sort" is the holes pass over the index k-merge, its "compute holes" the planning pass (which runs
 * beside the write pass). {@code writeWaitedForPlanMicros} (Strata's) is how long the write pass waited for the
 * planner in all.
 */
public record Level0Stats(String timeline, long prerequisitesMicros, long holesMicros, long planMicros,
                          long writeLayerFilesMicros, long writeWaitedForPlanMicros, int level0DeltasCount,
                          int newDeltasCount, long newDeltasSize) {

    /** As one JSON object (Neon's field names where they apply). */
    public String toJson() {
        return "{\"version\":2,\"timeline_id\":\"" + timeline + "\",\"compaction_prerequisites_micros\":"
                + prerequisitesMicros + ",\"read_lock_held_key_sort_micros\":" + holesMicros
                + ",\"read_lock_held_compute_holes_micros\":" + planMicros + ",\"write_layer_files_micros\":"
                + writeLayerFilesMicros + ",\"write_waited_for_plan_micros\":" + writeWaitedForPlanMicros
                + ",\"level0_deltas_count\":" + level0DeltasCount + ",\"new_deltas_count\":"
                + newDeltasCount + ",\"new_deltas_size\":" + newDeltasSize + "}";
    }

    static final class Builder {
        private final long start = System.nanoTime();
        private volatile long prerequisites;
        private volatile long holes;
        private volatile long plan;
        private volatile long write;
        private final AtomicLong planWaitNanos = new AtomicLong();
        private volatile int l0Count;
        private volatile int newCount;
        private volatile long newSize;

        private long now() {
            return (System.nanoTime() - start) / 1000;
        }

        void level0DeltasCount(int n) {
            l0Count = n;
        }

        void prerequisitesDone() {
            prerequisites = now();
        }

        void holesDone() {
            holes = now();
        }

        void planDone() {
            plan = now();
        }

        void waitedForPlan(long nanos) {
            planWaitNanos.addAndGet(nanos);
        }

        void writeDone(List<? extends WrittenLayer<?>> layers) {
            write = now();
            newCount = layers.size();
            newSize = layers.stream().mapToLong(WrittenLayer::fileSize).sum();
        }

        Level0Stats build(Timeline t) {
            return new Level0Stats(t.id().toString(), prerequisites, holes, plan, write, planWaitNanos.get() / 1000,
                    l0Count, newCount, newSize);
        }
    }
}
