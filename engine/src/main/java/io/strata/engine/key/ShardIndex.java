package io.strata.engine.key;

/**
 * A shard's number and the tenant's shard count (both u8), without the tenant ({@code ShardIndex}); names
 * the shard in storage paths. Count 0 means a legacy unsharded tenant.
 *
 * @param number shard number, 0..255
 * @param count shard count, 0..255
 */
public record ShardIndex(int number, int count) {
    public static final ShardIndex UNSHARDED = new ShardIndex(0, 0);

    public ShardIndex {
        if ((number & ~0xFF) != 0 || (count & ~0xFF) != 0) {
            throw new IllegalArgumentException("shard number and count are u8, got " + number + "/" + count);
        }
    }

    public boolean isUnsharded() {
        return number == 0 && count == 0;
    }

    /** Path suffix {@code -NNCC} (2 lower-case hex digits each), empty for count 0. */
    public String slug() {
        return count > 0 ? "-" + this : "";
    }

    /** Neon's display form: {@code NNCC} in lower-case hex, e.g. {@code 0d11}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(4);
        Hex.appendFixed(sb, number, 2, false);
        Hex.appendFixed(sb, count, 2, false);
        return sb.toString();
    }

    /**
     * Parses {@code NNCC} (4 hex digits).
     *
     * @throws IllegalArgumentException naming the input
     */
    public static ShardIndex parse(String s) {
        if (s.length() != 4) {
            throw new IllegalArgumentException("invalid shard index '" + s + "': expected 4 hex digits");
        }
        byte[] b = new byte[2];
        for (int i = 0; i < 2; i++) {
            int hi = Hex.digit(s.charAt(2 * i));
            int lo = Hex.digit(s.charAt(2 * i + 1));
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("invalid shard index '" + s + "': not hex");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return new ShardIndex(b[0] & 0xFF, b[1] & 0xFF);
    }
}
