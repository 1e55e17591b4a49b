package io.strata.engine.check;

import io.strata.io.file.IoEngineKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What {@link ModelChecker} runs with. Sizes are small on purpose, so that layers are many and small.
 *
 * @param seed                   the seed of every random choice of the operations
 * @param keys                   distinct keys of the workload (one relation's blocks)
 * @param maxTimelines           the root and its branches, at most
 * @param checkpointDistance     the timelines' checkpoint distance: large enough by default that layers roll only
 *                               when the workload flushes, so that the seed alone decides what is durable
 * @param l0TargetSize           L0 compaction's output file size
 * @param imageTargetSize        image layer creation's partition size ({@code compaction_target_size})
 * @param gcCompactionTargetSize gc-compaction's output layer size
 * @param maxCheckLsns           LSNs per timeline every check reads at (all retained batch ends up to this many,
 *                               else a random choice of them, always with the tip and the cutoff)
 * @param readers                concurrent reader threads ({@link ConcurrentReaders}); 0 for none
 * @param ioEngine               the io engine (empty: the engine's default choice)
 * @param weights                each operation's relative weight, by {@link ModelOp#ordinal()}
 */
public record ModelCheckerConfig(long seed, int keys, int maxTimelines, long checkpointDistance, long l0TargetSize,
                                 long imageTargetSize, long gcCompactionTargetSize, int maxCheckLsns, int readers,
                                 Optional<IoEngineKind> ioEngine, List<Integer> weights) {
    public ModelCheckerConfig {
        weights = List.copyOf(weights);
        if (weights.size() != ModelOp.values().length || weights.stream().anyMatch(w -> w < 0)
                || weights.stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new IllegalArgumentException("one weight per operation " + Arrays.toString(ModelOp.values())
                    + ", none negative, not all zero: " + weights);
        }
        if (keys < 2 || maxTimelines < 1 || checkpointDistance <= 0 || l0TargetSize <= 0 || imageTargetSize <= 0
                || gcCompactionTargetSize <= 0 || maxCheckLsns < 2 || readers < 0) {
            throw new IllegalArgumentException("invalid model checker settings: keys " + keys + ", timelines "
                    + maxTimelines + ", checkpoint distance " + checkpointDistance + ", targets " + l0TargetSize
                    + "/" + imageTargetSize + "/" + gcCompactionTargetSize + ", check LSNs " + maxCheckLsns
                    + ", readers " + readers);
        }
    }

    public static ModelCheckerConfig defaults(long seed) {
        return new ModelCheckerConfig(seed, 48, 4, 1L << 20, 16 * 1024, 8 * 8192, 16 * 1024, 40, 0,
                Optional.empty(), Arrays.stream(ModelOp.values()).map(o -> o.weight).toList());
    }

    public ModelCheckerConfig withReaders(int n) {
        return new ModelCheckerConfig(seed, keys, maxTimelines, checkpointDistance, l0TargetSize, imageTargetSize,
                gcCompactionTargetSize, maxCheckLsns, n, ioEngine, weights);
    }

    public ModelCheckerConfig withKeys(int n) {
        return new ModelCheckerConfig(seed, n, maxTimelines, checkpointDistance, l0TargetSize, imageTargetSize,
                gcCompactionTargetSize, maxCheckLsns, readers, ioEngine, weights);
    }

    public ModelCheckerConfig withCheckpointDistance(long bytes) {
        return new ModelCheckerConfig(seed, keys, maxTimelines, bytes, l0TargetSize, imageTargetSize,
                gcCompactionTargetSize, maxCheckLsns, readers, ioEngine, weights);
    }

    /** {@code op} drawn with relative weight {@code weight} (0: never). */
    public ModelCheckerConfig withWeight(ModelOp op, int weight) {
        List<Integer> w = new ArrayList<>(weights);
        w.set(op.ordinal(), weight);
        return new ModelCheckerConfig(seed, keys, maxTimelines, checkpointDistance, l0TargetSize, imageTargetSize,
                gcCompactionTargetSize, maxCheckLsns, readers, ioEngine, w);
    }

    public int weight(ModelOp op) {
        return weights.get(op.ordinal());
    }

    public ModelCheckerConfig withIoEngine(IoEngineKind kind) {
        return new ModelCheckerConfig(seed, keys, maxTimelines, checkpointDistance, l0TargetSize, imageTargetSize,
                gcCompactionTargetSize, maxCheckLsns, readers, Optional.of(kind), weights);
    }
}
