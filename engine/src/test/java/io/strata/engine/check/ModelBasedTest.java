package io.strata.engine.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model checker on a real engine: seeded random ingest, flush, L0 compaction, legacy passes, image creation,
 * gc-compaction rectangles, legacy GC, branches, leases and restarts, every key read at every retained LSN after
 * each step and compared with the oracle (see {@link ModelChecker}).
 *
 * <p>Bounded for CI: {@code -Dstrata.model.iterations} steps per seed (default 400) and
 * {@code -Dstrata.model.seconds} for all seeds together (default 120). {@code -Dstrata.model.seed=S} runs only
 * seed S (a failure prints its seed).
 */
class ModelBasedTest {
    private static final long[] SEEDS = {1, 2, 3, 4};

    @TempDir
    Path dir;

    static Stream<Long> seeds() {
        String one = System.getProperty("strata.model.seed");
        if (one != null && !one.isBlank()) {
            return Stream.of(Long.parseLong(one.trim()));
        }
        return LongStream.of(SEEDS).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void engineReadsWhatTheModelHoldsAfterEveryStep(long seed) {
        long iterations = Long.getLong("strata.model.iterations", 400);
        long seconds = Long.getLong("strata.model.seconds", 120);
        long seeds = seeds().count();
        Duration budget = Duration.ofSeconds(Math.max(1, seconds / seeds));
        System.out.println("model check: seed " + seed + " (reproduce with -Dstrata.model.seed=" + seed + "), up to "
                + iterations + " steps or " + budget);
        try (ModelChecker c = ModelChecker.open(dir.resolve("data"), ModelCheckerConfig.defaults(seed))) {
            long steps = c.run(iterations, budget);
            ModelCheckStats s = c.stats();
            System.out.println("model check: seed " + seed + ": " + steps + " steps, " + s.summary() + "; "
                    + s.toJson());
            assertTrue(steps > 0, "no step ran");
            assertTrue(s.pagesChecked() > 0, "no page was checked: " + s.summary());
        }
    }
}
