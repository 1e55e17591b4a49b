package io.strata.engine.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 5: reader threads (single gets and vectored reads over random key ranges and retained LSNs) run while
 * the checker ingests, flushes, compacts L0s, creates images, runs gc-compaction and legacy GC and restarts; every
 * page must be the model's, and a read may only be refused with a GC cutoff error for an LSN GC moved past (never a
 * missing key during a gc-compaction swap). Bounded by {@code -Dstrata.model.concurrent.seconds} (default 30); on a slow
 * machine it goes on until each of those operations ran beside the readers, up to {@value #MAX_STEPS} steps.
 */
class ConcurrentReadersTest {
    private static final int MAX_STEPS = 300;
    private static final ModelOp[] WANTED = {ModelOp.FLUSH, ModelOp.L0_COMPACTION, ModelOp.IMAGE_CREATION,
        ModelOp.GC_COMPACTION, ModelOp.LEGACY_GC};

    @TempDir
    Path dir;

    @Test
    void readersSeeTheModelsPagesWhileCompactionGcAndFlushRun() {
        long seed = Long.getLong("strata.model.concurrent.seed", 21);
        Duration budget = Duration.ofSeconds(Long.getLong("strata.model.concurrent.seconds", 30));
        System.out.println("concurrent readers: seed " + seed + " (-Dstrata.model.concurrent.seed), " + budget);
        // layer changes under the readers more often than the model test's mix: swaps are what this is about
        ModelCheckerConfig config = ModelCheckerConfig.defaults(seed).withReaders(4)
                .withWeight(ModelOp.GC_COMPACTION, 20).withWeight(ModelOp.LEGACY_GC, 12)
                .withWeight(ModelOp.L0_COMPACTION, 10).withWeight(ModelOp.IMAGE_CREATION, 8)
                .withWeight(ModelOp.INGEST, 20).withWeight(ModelOp.RESTART, 1);
        try (ModelChecker c = ModelChecker.open(dir.resolve("data"), config)) {
            long steps = c.run(Long.MAX_VALUE, budget);
            while (steps < MAX_STEPS && !allRan(c.stats())) {
                c.step();
                steps++;
            }
            ModelCheckStats s = c.stats();
            System.out.println("concurrent readers: " + steps + " steps, " + s.summary());
            assertTrue(s.concurrentPages() > 0, "the readers checked no page: " + s.summary());
            for (ModelOp op : WANTED) {
                assertTrue(s.operations(op) > 0, "no " + op.label() + " ran beside the readers: " + s.summary());
            }
        }
    }

    private static boolean allRan(ModelCheckStats s) {
        for (ModelOp op : WANTED) {
            if (s.operations(op) == 0) {
                return false;
            }
        }
        return true;
    }
}
