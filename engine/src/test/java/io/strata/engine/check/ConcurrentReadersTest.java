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
 * missing key during a gc-compaction swap). Bounded by {@code -Dstrata.model.concurrent.seconds} (default 45).
 */
class ConcurrentReadersTest {
    @TempDir
    Path dir;

    @Test
    void readersSeeTheModelsPagesWhileCompactionGcAndFlushRun() {
        long seed = Long.getLong("strata.model.concurrent.seed", 21);
        Duration budget = Duration.ofSeconds(Long.getLong("strata.model.concurrent.seconds", 45));
        System.out.println("concurrent readers: seed " + seed + " (-Dstrata.model.concurrent.seed), " + budget);
        try (ModelChecker c = ModelChecker.open(dir.resolve("data"), ModelCheckerConfig.defaults(seed)
                .withReaders(4))) {
            long steps = c.run(Long.MAX_VALUE, budget);
            ModelCheckStats s = c.stats();
            System.out.println("concurrent readers: " + steps + " steps, " + s.summary());
            assertTrue(s.concurrentPages() > 0, "the readers checked no page: " + s.summary());
            for (ModelOp op : new ModelOp[] {ModelOp.FLUSH, ModelOp.L0_COMPACTION, ModelOp.GC_COMPACTION,
                    ModelOp.LEGACY_GC}) {
                assertTrue(s.operations(op) > 0, "no " + op.label() + " ran beside the readers: " + s.summary());
            }
        }
    }
}
