package io.strata.engine.key;

/** A tenant's 128-bit id; written into layer summaries, so layer files name the tenant they belong to. */
public final class TenantId extends Id implements Comparable<TenantId> {
    private TenantId(byte[] bytes) {
        super(bytes);
    }

    /** From exactly 16 bytes (copied). */
    public static TenantId fromBytes(byte[] bytes) {
        return new TenantId(bytes);
    }

    /** From 16 bytes at {@code off}. */
    public static TenantId read(byte[] src, int off) {
        byte[] b = new byte[SIZE];
        System.arraycopy(src, off, b, 0, SIZE);
        return new TenantId(b);
    }

    /**
     * Parses 32 hex digits of either case.
     *
     * @throws IllegalArgumentException naming the input
     */
    public static TenantId parse(String hex) {
        return new TenantId(parseHex("tenant id", hex));
    }

    /** A new random id. */
    public static TenantId generate() {
        return new TenantId(random());
    }

    @Override
    public int compareTo(TenantId o) {
        return compareBytes(o);
    }
}
