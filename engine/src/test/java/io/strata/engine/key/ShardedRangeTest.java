package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** Neon's keyspace.rs page_count tests, plus a per-key count model. */
class ShardedRangeTest {
    private static KeyRange r(String start, String end) {
        return new KeyRange(Key.fromHex(start), Key.fromHex(end));
    }

    @Test
    void relationGapIsLarge() {
        ShardIdentity id = ShardIdentity.of(0, 4, ShardIdentity.DEFAULT_STRIPE_SIZE);
        assertEquals(0xFFFF_FFFFL,
                new ShardedRange(r("000000067F00000005000040100300000000", "000000067F00000005000040130000004000"), id).pageCount());
    }

    @Test
    void singleSizeKey() {
        ShardIdentity id = ShardIdentity.of(1, 4, ShardIdentity.DEFAULT_STRIPE_SIZE);
        assertEquals(1, new ShardedRange(r("000000067f000000010000007000ffffffff", "000000067f00000001000000700100000000"), id).pageCount());
    }

    @Test
    void forkGapIsLarge() {
        ShardIdentity id = ShardIdentity.of(1, 4, ShardIdentity.DEFAULT_STRIPE_SIZE);
        assertEquals(0xFFFF_FFFFL,
                new ShardedRange(r("000000067f00000001000004df00fffffffe", "000000067f00000001000004df0100000003"), id).pageCount());
    }

    @Test
    void oneBlockOfOneRelation() {
        for (int shard = 0; shard < 4; shard++) {
            ShardIdentity id = ShardIdentity.of(shard, 4, ShardIdentity.DEFAULT_STRIPE_SIZE);
            long pages = new ShardedRange(r("000000067f00000001000000ae0000000000", "000000067f00000001000000ae0000000001"), id).pageCount();
            assertEquals(shard == 0 ? 1 : 0, pages, "shard " + shard);
        }
    }

    @Test
    void imageLayerRewriteShards() {
        KeyRange range = r("000000067F00000001000000AE0000000000", "000000067F00000001000000AE0000002000");
        long[] expected = {0x800, 0, 0x800, 0x1000};
        for (int shard = 0; shard < 4; shard++) {
            assertEquals(expected[shard], new ShardedRange(range, ShardIdentity.of(shard, 4, 0x800)).pageCount());
        }
        assertEquals(0x2000, new ShardedRange(range, ShardIdentity.unsharded()).pageCount());
        assertEquals(0x2000, ShardedRange.rawSize(range));
    }

    @Test
    void pageCountMatchesPerKeyModel() {
        Random rnd = new Random(77);
        for (int i = 0; i < 300; i++) {
            int count = 2 + rnd.nextInt(5);
            int stripe = 1 + rnd.nextInt(64);
            ShardIdentity id = ShardIdentity.of(rnd.nextInt(count), count, stripe);
            Key start = new Key(0, 0x67F, 1, 0x100 + rnd.nextInt(50), rnd.nextInt(3), rnd.nextInt(2000));
            int len = rnd.nextInt(600);
            KeyRange range = new KeyRange(start, start.add(len));
            long model = 0;
            for (Key k = start; k.compareTo(range.end()) < 0; k = k.next()) {
                if (!id.isKeyDisposable(k)) {
                    model++;
                }
            }
            if (len == 1) {
                model = id.isKeyDisposable(start) ? 0 : 1;
            }
            assertEquals(model, new ShardedRange(range, id).pageCount(), range + " " + id);
        }
    }
}
