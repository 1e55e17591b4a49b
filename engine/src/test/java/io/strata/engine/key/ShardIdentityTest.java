package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** Vectors from Neon's shard.rs and the image_layer_rewrite test (FORMAT 3.6, 12.3, 13.6). */
class ShardIdentityTest {
    private static final Key REL_AE = new Key(0, 0x67F, 1, 0xAE, 0, 0);

    @Test
    void hashPrimitives() {
        assertEquals(0, ShardIdentity.murmurhash32(0));
        assertEquals(0xFB7923C9, ShardIdentity.hashCombine(0xB1FF3B40, 0));
        // murmur3 fmix32 reference value
        assertEquals(0x514E28B7, ShardIdentity.murmurhash32(1));
    }

    @Test
    void shardMapping() {
        Key key = new Key(0, 0x67F, 5, 0x400C, 0, 0x7D06);
        assertEquals(8, ShardIdentity.keyToShardNumber(10, 32768, key));
        assertEquals(8, ShardIdentity.of(3, 10, 32768).getShardNumber(key));
    }

    @Test
    void stripesOfImageLayerRewriteTest() {
        int[] expected = {0, 3, 2, 3};
        int[] keysPerShard = new int[4];
        for (int stripe = 0; stripe < 4; stripe++) {
            assertEquals(expected[stripe], ShardIdentity.keyToShardNumber(4, 0x800, REL_AE.add(stripe * 0x800)), "stripe " + stripe);
        }
        for (int shard = 0; shard < 4; shard++) {
            ShardIdentity id = ShardIdentity.of(shard, 4, 0x800);
            for (int blk = 0; blk < 0x2000; blk++) {
                Key k = REL_AE.add(blk);
                if (!id.isKeyDisposable(k)) {
                    keysPerShard[shard]++;
                }
                assertEquals(id.isKeyLocal(k), !id.isKeyDisposable(k));
            }
        }
        assertEquals(0x800, keysPerShard[0]);
        assertEquals(0, keysPerShard[1]);
        assertEquals(0x800, keysPerShard[2]);
        assertEquals(0x1000, keysPerShard[3]);
    }

    @Test
    void keptOnEveryShard() {
        Key[] global = {new Key(0, 0x67F, 1, 0xAE, 0, -1), Key.DBDIR_KEY, new Key(0, 0x67F, 1, 0, 0, 1), Key.CHECKPOINT_KEY,
            new Key(0x61, 0, 1, 2, 0, 0), new Key(0x65, 0x67F, 1, 0xAE, 0, 1), new Key(0x63, 0, 0, 0, 0, 1),
            new Key(2, 0, 0, 0, 0, 77)};
        for (Key k : global) {
            for (int shard = 0; shard < 4; shard++) {
                ShardIdentity id = ShardIdentity.of(shard, 4, 8);
                assertTrue(id.isKeyGlobal(k), k.toString());
                assertFalse(id.isKeyDisposable(k), k + " on shard " + shard);
            }
        }
    }

    @Test
    void ownedByShardZeroOnly() {
        Key[] shard0 = {new Key(1, 0, 1, 5, 0, 3), new Key(1, 0, 1, 5, 0, -1), new Key(1, 2, 0, 0, 0, 0),
            AuxFileKey.encode("pg_replslot/x"), new Key(0, 0x67F, 1, 0xAE, Key.INIT_FORKNUM, 0x12345)};
        for (Key k : shard0) {
            for (int shard = 0; shard < 4; shard++) {
                ShardIdentity id = ShardIdentity.of(shard, 4, 8);
                assertFalse(id.isKeyGlobal(k), k.toString());
                assertEquals(0, id.getShardNumber(k));
                assertEquals(shard != 0, id.isKeyDisposable(k), k + " on shard " + shard);
                assertEquals(shard == 0, id.isKeyLocal(k), k + " on shard " + shard);
            }
        }
    }

    @Test
    void unshardedAndSingleShardDisposeNothing() {
        Random rnd = new Random(8);
        ShardIdentity single = ShardIdentity.of(0, 1, 1);
        for (int i = 0; i < 2000; i++) {
            Key k = KeyTest.randomKey(rnd);
            assertFalse(ShardIdentity.unsharded().isKeyDisposable(k));
            assertFalse(single.isKeyDisposable(k));
            assertTrue(single.isKeyLocal(k));
            assertEquals(0, ShardIdentity.unsharded().getShardNumber(k));
        }
        assertTrue(ShardIdentity.unsharded().isUnsharded());
        assertEquals(2048, ShardIdentity.unsharded().stripeSize());
        assertEquals("", ShardIdentity.unsharded().shardIndex().slug());
    }

    @Test
    void everyRelBlockHasExactlyOneOwner() {
        Random rnd = new Random(21);
        for (int i = 0; i < 2000; i++) {
            int count = 2 + rnd.nextInt(9);
            int stripe = 1 + rnd.nextInt(5000);
            Key k = new Key(0, rnd.nextInt(), rnd.nextInt(), rnd.nextInt() | 1, rnd.nextInt(3), rnd.nextInt() & 0x7FFF_FFFF);
            int owners = 0;
            for (int shard = 0; shard < count; shard++) {
                if (!ShardIdentity.of(shard, count, stripe).isKeyDisposable(k)) {
                    owners++;
                }
            }
            assertEquals(1, owners, k + " count " + count);
        }
    }

    @Test
    void unsignedStripeArithmetic() {
        // field6 above 2^31 must divide unsigned
        Key k = new Key(0, 0x67F, 1, 0xAE, 0, 0x8000_0000);
        int expected = Integer.remainderUnsigned(ShardIdentity.hashCombine(ShardIdentity.murmurhash32(0xAE),
                ShardIdentity.murmurhash32(0x8000_0000 >>> 11)), 7);
        assertEquals(expected, ShardIdentity.keyToShardNumber(7, 2048, k));
    }

    @Test
    void validation() {
        ShardIdentity.of(0, 1, ShardIdentity.DEFAULT_STRIPE_SIZE);
        ShardIdentity.of(0, 1, 1);
        ShardIdentity.of(254, 255, 1);
        assertThrows(IllegalArgumentException.class, () -> ShardIdentity.of(0, 0, 2048));
        assertThrows(IllegalArgumentException.class, () -> ShardIdentity.of(10, 10, 2048));
        assertThrows(IllegalArgumentException.class, () -> ShardIdentity.of(11, 10, 2048));
        assertThrows(IllegalArgumentException.class, () -> ShardIdentity.of(255, 255, 2048));
        assertThrows(IllegalArgumentException.class, () -> ShardIdentity.of(0, 1, 0));
    }

    @Test
    void shardIndexText() {
        ShardIndex idx = new ShardIndex(13, 17);
        assertEquals("0d11", idx.toString());
        assertEquals(idx, ShardIndex.parse("0d11"));
        assertEquals("-0d11", idx.slug());
        assertEquals("-0104", ShardIdentity.of(1, 4, 8).shardIndex().slug());
        assertThrows(IllegalArgumentException.class, () -> ShardIndex.parse("0d1"));
    }
}
