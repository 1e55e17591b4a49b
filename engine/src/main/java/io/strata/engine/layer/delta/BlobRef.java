package io.strata.engine.layer.delta;

/**
 * A delta index value (FORMAT 10.2): the blob's file offset shifted left by one, with the value's will_init flag
 * in bit 0, so a reader can stop walking back through versions without reading the blobs.
 *
 * @param raw the 40-bit value stored in the B-tree leaf
 */
public record BlobRef(long raw) {
    /** The largest blob offset a BlobRef can hold: the leaf value is at most 2^39 - 1. */
    public static final long MAX_POS = 0x3F_FFFF_FFFFL;

    public static BlobRef of(long pos, boolean willInit) {
        return new BlobRef(encode(pos, willInit));
    }

    /** The raw value, without allocating. */
    public static long encode(long pos, boolean willInit) {
        if (pos < 0 || pos > MAX_POS) {
            throw new IllegalArgumentException("blob offset " + pos + " does not fit a BlobRef (max " + MAX_POS + ")");
        }
        return pos << 1 | (willInit ? 1 : 0);
    }

    /** File offset of the blob header. */
    public long pos() {
        return raw >>> 1;
    }

    public boolean willInit() {
        return (raw & 1) != 0;
    }

    @Override
    public String toString() {
        return "BlobRef{pos=" + pos() + ", willInit=" + willInit() + '}';
    }
}
