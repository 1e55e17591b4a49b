package io.strata.perf;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Where the transfers of a closed-loop run go: block-aligned offsets below {@code size}. Each in-flight chain
 * asks its own supplier; a chain calls it from one thread at a time, different chains may call concurrently.
 */
@FunctionalInterface
interface OffsetPlan {
    LongSupplier forChain(int chain);

    /** Uniformly random blocks; each chain has its own SplittableRandom split from one seeded root. */
    static OffsetPlan random(long size, int block, long seed) {
        long blocks = blocks(size, block);
        SplittableRandom root = new SplittableRandom(seed);
        return chain -> {
            SplittableRandom rnd;
            synchronized (root) {
                rnd = root.split();
            }
            return () -> rnd.nextLong(blocks) * block;
        };
    }

    /** One stride through the file shared by all chains, wrapping at the end: block 0, 1, 2, ... */
    static OffsetPlan sequential(long size, int block) {
        long blocks = blocks(size, block);
        AtomicLong next = new AtomicLong();
        return chain -> () -> (next.getAndIncrement() % blocks) * block;
    }

    private static long blocks(long size, int block) {
        long blocks = size / block;
        if (blocks < 1) {
            throw new IllegalArgumentException("size " + size + " holds no block of " + block + " bytes");
        }
        return blocks;
    }
}
