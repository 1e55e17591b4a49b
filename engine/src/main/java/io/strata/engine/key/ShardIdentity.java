package io.strata.engine.key;

/**
 * Which keys a shard of a tenant stores ({@code ShardIdentity}, FORMAT 3.6): relation blocks are spread over
 * shards in stripes of {@code stripeSize} pages by a hash that must match Neon's (and Postgres') exactly,
 * other keys are kept on shard 0 or on every shard. Needed to reproduce shard-filtered layer files.
 */
public final class ShardIdentity {
    /** 16 MiB of 8 KiB pages. */
    public static final int DEFAULT_STRIPE_SIZE = 16 * 1024 / 8;

    private static final ShardIdentity UNSHARDED = new ShardIdentity(0, 0, DEFAULT_STRIPE_SIZE);

    private final int number;
    private final int count;
    private final int stripeSize;

    private ShardIdentity(int number, int count, int stripeSize) {
        this.number = number;
        this.count = count;
        this.stripeSize = stripeSize;
    }

    /** The legacy identity (number 0, count 0) of a tenant that is not shard-aware. */
    public static ShardIdentity unsharded() {
        return UNSHARDED;
    }

    /**
     * Shard {@code number} of {@code count} ({@code ShardIdentity::new}).
     *
     * @param stripeSize pages per stripe, a non-zero u32
     * @throws IllegalArgumentException if count is not 1..255, number not below count, or stripe size 0
     */
    public static ShardIdentity of(int number, int count, int stripeSize) {
        if (count < 1 || count > 0xFF) {
            throw new IllegalArgumentException("invalid shard count " + count);
        }
        if (number < 0 || number >= count) {
            throw new IllegalArgumentException("invalid shard number " + number + " for count " + count);
        }
        if (stripeSize == 0) {
            throw new IllegalArgumentException("invalid stripe size 0");
        }
        return new ShardIdentity(number, count, stripeSize);
    }

    public int number() {
        return number;
    }

    public int count() {
        return count;
    }

    /** Pages per stripe (u32 bits). */
    public int stripeSize() {
        return stripeSize;
    }

    public boolean isUnsharded() {
        return number == 0 && count == 0;
    }

    public boolean isShardZero() {
        return number == 0;
    }

    public ShardIndex shardIndex() {
        return new ShardIndex(number, count);
    }

    /** The shard that stores {@code key} if only one shard does ({@code key_to_shard_number}). */
    public int getShardNumber(Key key) {
        return keyToShardNumber(count, stripeSize, key);
    }

    /** Whether this shard must store the key, not counting keys every shard stores ({@link #isKeyGlobal}). */
    public boolean isKeyLocal(Key key) {
        if (count < 2 || (isKeyShardZero(key) && number == 0)) {
            return true;
        }
        return keyToShardNumber(count, stripeSize, key) == number;
    }

    /**
     * Whether every shard keeps the key: relation sizes and everything that is not a relation block, SLRU
     * block, SLRU segment size, SLRU directory or AUX key.
     */
    public boolean isKeyGlobal(Key key) {
        if (key.isSlruBlockKey() || key.isSlruSegmentSizeKey() || key.isAuxFileKey() || key.isSlruDirKey()) {
            return false; // only on shard 0
        }
        return !key.isRelBlockKey(); // relation blocks are distributed, everything else is everywhere
    }

    /** Whether this shard may drop the key (e.g. when compacting after a split). */
    public boolean isKeyDisposable(Key key) {
        if (count < 2) {
            return false;
        }
        return !isKeyGlobal(key) && !isKeyLocal(key);
    }

    /** Keys only shard 0 owns among the non-global ones: everything but non-init-fork relation blocks. */
    static boolean isKeyShardZero(Key key) {
        return !key.isRelBlockKey() || key.field5() == Key.INIT_FORKNUM;
    }

    /** Neon's {@code key_to_shard_number}: hash of relfilenode and stripe index, modulo count. */
    static int keyToShardNumber(int count, int stripeSize, Key key) {
        if (count < 2 || isKeyShardZero(key)) {
            return 0;
        }
        int hash = murmurhash32(key.field4());
        hash = hashCombine(hash, murmurhash32(Integer.divideUnsigned(key.field6(), stripeSize)));
        return Integer.remainderUnsigned(hash, count);
    }

    /** The 32-bit murmur3 finalizer ({@code murmurhash32} of Postgres' hashfn.h). */
    static int murmurhash32(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /** Postgres' {@code hash_combine}. */
    static int hashCombine(int a, int b) {
        b += 0x9E3779B9;
        b += a << 6;
        b += a >>> 2;
        return a ^ b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardIdentity s && number == s.number && count == s.count && stripeSize == s.stripeSize;
    }

    @Override
    public int hashCode() {
        return (number * 31 + count) * 31 + stripeSize;
    }

    @Override
    public String toString() {
        return "ShardIdentity{number=" + number + ", count=" + count + ", stripeSize="
                + Integer.toUnsignedString(stripeSize) + "}";
    }
}
