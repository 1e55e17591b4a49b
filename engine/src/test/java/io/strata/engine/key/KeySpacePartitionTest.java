package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Neon's keyspace.rs {@code fragment} tests (the helper's invariants, the simple, multi-stripe, logical-size,
 * unsharded, cross-relation, tiny and fuzz cases) and {@code KeySpace::partition} checked on whole key spaces.
 */
class KeySpacePartitionTest {
    private static final int STRIPE = ShardIdentity.DEFAULT_STRIPE_SIZE;
    private static final long LARGE = 0xFFFF_FFFFL;
    private static final int BLCKSZ = 8192;

    private static ShardedRange.Fragment f(long size, Key start, Key end) {
        return new ShardedRange.Fragment(size, new KeyRange(start, end));
    }

    private record Fragmented(long pageCount, List<ShardedRange.Fragment> fragments) {
    }

    /** Neon's {@code do_fragment}: fragments with every invariant checked. */
    private static Fragmented doFragment(Key start, Key end, ShardIdentity shard, long targetNblocks) {
        ShardedRange range = new ShardedRange(new KeyRange(start, end), shard);
        long pageCount = range.pageCount();
        List<ShardedRange.Fragment> fragments = range.fragment(targetNblocks);
        assertFalse(fragments.isEmpty());
        assertEquals(start, fragments.get(0).range().start());
        assertEquals(end, fragments.get(fragments.size() - 1).range().end());
        if (pageCount > 0) {
            assertTrue(fragments.stream().allMatch(x -> x.size() > 0), "a zero-length fragment: " + fragments);
        } else {
            assertEquals(List.of(f(0, start, end)), fragments);
        }
        KeyRange last = null;
        for (ShardedRange.Fragment x : fragments) {
            if (last != null) {
                assertTrue(x.range().start().compareTo(last.end()) >= 0);
                assertTrue(x.range().start().compareTo(last.start()) > 0);
            }
            last = x.range();
        }
        for (ShardedRange.Fragment x : fragments) {
            assertTrue(x.size() == LARGE || x.size() <= targetNblocks, x + " above " + targetNblocks);
        }
        return new Fragmented(pageCount, fragments);
    }

    private static Key withBlock(Key k, int block) {
        return new Key(k.field1(), k.field2(), k.field3(), k.field4(), k.field5(), block);
    }

    @Test
    void fragmentSimple() {
        ShardIdentity shard = ShardIdentity.of(0, 4, STRIPE);
        Key start = Key.fromHex("000000067f00000001000000ae0000000000");
        Key end = withBlock(start, STRIPE);
        assertEquals(new Fragmented(STRIPE, List.of(f(STRIPE, start, end))), doFragment(start, end, shard, STRIPE));
        assertEquals(new Fragmented(STRIPE, List.of(f(STRIPE, start, end))),
                doFragment(start, end, shard, 10L * STRIPE));
        assertEquals(new Fragmented(STRIPE, List.of(f(STRIPE / 2, start, start.add(STRIPE / 2)),
                f(STRIPE / 2, start.add(STRIPE / 2), end))), doFragment(start, end, shard, STRIPE / 2));
    }

    @Test
    void fragmentMultiStripe() {
        int rangeSize = 4 * STRIPE;
        ShardIdentity shard = ShardIdentity.of(0, 4, STRIPE);
        Key start = Key.fromHex("000000067f00000001000000ae0000000000");
        Key end = withBlock(start, rangeSize);
        assertEquals(new Fragmented(STRIPE, List.of(f(STRIPE, start, end))), doFragment(start, end, shard, rangeSize));
        int limit = STRIPE / 3 + 1;
        assertEquals(new Fragmented(STRIPE, List.of(f(limit, start, start.add(limit)),
                        f(limit, start.add(limit), start.add(2 * limit)),
                        f(STRIPE - 2 * limit, start.add(2 * limit), end))),
                doFragment(start, end, shard, limit));
        assertEquals(new Fragmented(STRIPE - 1, List.of(f(STRIPE - 1, start.add(1), end))),
                doFragment(start.add(1), end, shard, rangeSize));
    }

    @Test
    void fragmentStartingFromLogicalSize() {
        int rangeSize = 4 * STRIPE;
        Key start = Key.fromHex("000000067f00000001000000ae00ffffffff");
        Key end = withBlock(Key.fromHex("000000067f00000001000000ae0100000000"), rangeSize);
        // shard 0 owns the first stripe, and the logical size is local to every shard
        assertEquals(new Fragmented(STRIPE + 1, List.of(f(STRIPE + 1, start, end))),
                doFragment(start, end, ShardIdentity.of(0, 4, STRIPE), 2L * STRIPE));
        assertEquals(new Fragmented(1, List.of(f(1, start, end))),
                doFragment(start, end, ShardIdentity.of(1, 4, STRIPE), 2L * STRIPE));
    }

    @Test
    void fragmentUnsharded() {
        Key start = Key.fromHex("000000067f00000001000000ae0000000000");
        Key end = Key.fromHex("000000067f00000001000000ae0000010000");
        assertEquals(new Fragmented(0x10000, List.of(f(0x8000, start, start.add(0x8000)),
                        f(0x8000, start.add(0x8000), start.add(0x10000)))),
                doFragment(start, end, ShardIdentity.unsharded(), 0x8000));
    }

    @Test
    void fragmentCrossRelationIsNotCut() {
        Key start = Key.fromHex("000000067f00000001000000ae0000000000");
        Key end = Key.fromHex("000000068f00000001000000ae0000010000");
        assertEquals(new Fragmented(LARGE, List.of(f(LARGE, start, end))),
                doFragment(start, end, ShardIdentity.unsharded(), 0x8000));
        assertEquals(new Fragmented(LARGE, List.of(f(LARGE, start, end))),
                doFragment(start, end, ShardIdentity.of(0, 4, STRIPE), 0x8000));
    }

    @Test
    void fragmentTinyNblocks() {
        Key start = Key.fromHex("000000067F00000001000004E10000000000");
        Key end = Key.fromHex("000000067F00000001000004E10000000038");
        assertEquals(new Fragmented(0x38, List.of(f(16, start, start.add(16)), f(16, start.add(16), start.add(32)),
                        f(16, start.add(32), start.add(48)), f(8, start.add(48), end))),
                doFragment(start, end, ShardIdentity.unsharded(), 16));
    }

    /** Neon's fuzz case (its own PRNG, same distribution): the invariants, and the fragment holding a random key. */
    @Test
    void fragmentFuzz() {
        Random prng = new Random(0xdeadbeefL);
        for (int i = 0; i < 1000; i++) {
            ShardIdentity shard;
            if (prng.nextInt(2) == 0) {
                shard = ShardIdentity.unsharded();
            } else {
                int count = prng.nextInt(127) + 1;
                shard = ShardIdentity.of(prng.nextInt(count), count, STRIPE);
            }
            long target = prng.nextInt(65536) + 1;
            Key start = Key.fromHex("000000067F00000001000004E10000000000").add(prng.nextInt(16384));
            int size = prng.nextInt(8192) + 1;
            Key end = start.add(size);
            Fragmented r = doFragment(start, end, shard, target);
            Key example = start.add(prng.nextInt(size));
            ShardedRange.Fragment holding = r.fragments().stream().filter(x -> x.range().contains(example))
                    .findFirst().orElse(null);
            assertNotNull(holding, example + " in " + r.fragments());
            if (!shard.isKeyDisposable(example)) {
                assertTrue(holding.size() > 0, holding.toString());
            }
        }
    }

    @Test
    void fragmentRefusesAZeroTarget() {
        ShardedRange r = new ShardedRange(new KeyRange(Key.MIN, Key.MIN.add(10)), ShardIdentity.unsharded());
        assertThrows(IllegalArgumentException.class, () -> r.fragment(0));
        assertThrows(IllegalArgumentException.class,
                () -> KeySpace.single(r.range()).partition(ShardIdentity.unsharded(), BLCKSZ - 1, BLCKSZ));
    }

    private static Key rel(int relnode, int block) {
        return new Key(0, 1663, 5, relnode, 0, block);
    }

    @Test
    void partitionCutsAtTheTargetAndCoversEveryKey() {
        // three relations of 100, 250 and 3 blocks, plus single keys in between
        KeySpace ks = KeySpace.of(new KeyRange(rel(1, 0), rel(1, 100)),
                KeyRange.singleton(new Key(0, 1663, 5, 1, 0, -1)), new KeyRange(rel(2, 0), rel(2, 250)),
                new KeyRange(rel(3, 0), rel(3, 3)));
        KeyPartitioning p = ks.partition(ShardIdentity.unsharded(), 64L * BLCKSZ, BLCKSZ);
        List<Long> sizes = new ArrayList<>();
        KeySpace.Builder all = KeySpace.builder();
        Key previousEnd = null;
        for (KeySpace part : p.parts()) {
            long size = part.ranges().stream()
                    .mapToLong(r -> new ShardedRange(r, ShardIdentity.unsharded()).pageCount()).sum();
            sizes.add(size);
            assertTrue(size <= 64, "part of " + size + " pages: " + part);
            if (previousEnd != null) {
                assertTrue(part.start().orElseThrow().compareTo(previousEnd) >= 0, "parts in key order");
            }
            previousEnd = part.end().orElseThrow();
            all.addAll(part);
        }
        assertEquals(ks, all.build());
        // fragments are never merged across ranges: relation 1 is 64 + 36 (+ the size key), relation 2 is
        // 64 + 64 + 64 + 58, and relation 3's 3 blocks join the last part
        assertEquals(List.of(64L, 37L, 64L, 64L, 64L, 61L), sizes);
    }

    @Test
    void partitionFollowsShardStriping() {
        ShardIdentity shard = ShardIdentity.of(1, 2, 8);
        KeySpace ks = KeySpace.single(new KeyRange(rel(7, 0), rel(7, 64)));
        KeyPartitioning p = ks.partition(shard, 8L * BLCKSZ, BLCKSZ);
        KeySpace.Builder all = KeySpace.builder();
        for (KeySpace part : p.parts()) {
            long local = 0;
            for (KeyRange r : part.ranges()) {
                for (Key k = r.start(); k.compareTo(r.end()) < 0; k = k.next()) {
                    local += shard.isKeyDisposable(k) ? 0 : 1;
                }
            }
            assertTrue(local > 0 && local <= 8, local + " local pages in " + part);
            all.addAll(part);
        }
        assertEquals(ks, all.build());
        long expectedParts = 0;
        for (int b = 0; b < 64; b += 8) {
            expectedParts += shard.isKeyDisposable(rel(7, b)) ? 0 : 1;
        }
        assertEquals(expectedParts, p.parts().size());
    }

    @Test
    void partitionOfNothingIsEmpty() {
        assertTrue(KeySpace.empty().partition(ShardIdentity.unsharded(), BLCKSZ, BLCKSZ).isEmpty());
    }
}
