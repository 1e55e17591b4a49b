package io.strata.engine.inmemory;

/**
 * Where one value of an in-memory layer lies in its ephemeral file, packed into a long as Neon's
 * {@code IndexEntry} packs it into a u64: bit 0 {@code will_init}, bits 1 to 28 the length (up to
 * {@link #MAX_SUPPORTED_BLOB_LEN}, the most a layer blob may hold), bits 29 to 63 the position (up to
 * {@link #MAX_SUPPORTED_POS}, 32 GiB: far above any checkpoint distance).
 */
final class IndexEntry {
    /** Neon's {@code blob_io::MAX_SUPPORTED_BLOB_LEN}: everything ends up in a delta layer blob. */
    static final int MAX_SUPPORTED_BLOB_LEN = 0x0fff_ffff;
    static final int MAX_SUPPORTED_BLOB_LEN_BITS = 28;
    static final int MAX_SUPPORTED_POS_BITS = 64 - 1 - MAX_SUPPORTED_BLOB_LEN_BITS;
    static final long MAX_SUPPORTED_POS = (1L << MAX_SUPPORTED_POS_BITS) - 1;
    private static final int LEN_SHIFT = 1;
    private static final int POS_SHIFT = 1 + MAX_SUPPORTED_BLOB_LEN_BITS;

    private IndexEntry() {
    }

    /**
     * Packs the value at {@code baseOffset + batchOffset} (the batch's position in the file plus the value's in
     * the batch) of {@code len} bytes (Neon's {@code IndexEntry::new}).
     *
     * @throws IllegalArgumentException if the position or the length does not fit
     */
    static long pack(long baseOffset, long batchOffset, long len, boolean willInit) {
        if (baseOffset < 0 || batchOffset < 0) {
            throw new IllegalArgumentException("negative offset: base_offset=" + baseOffset + " batch_offset="
                    + batchOffset);
        }
        long pos = baseOffset + batchOffset;
        if (pos < 0) {
            throw new IllegalArgumentException("base_offset + batch_offset overflows u64: base_offset=" + baseOffset
                    + " batch_offset=" + batchOffset);
        }
        if (pos > MAX_SUPPORTED_POS) {
            throw new IllegalArgumentException("base_offset+batch_offset exceeds the maximum supported value: "
                    + "base_offset=" + baseOffset + " batch_offset=" + batchOffset + " (+)=" + pos + " max="
                    + MAX_SUPPORTED_POS);
        }
        if (len < 0 || len > MAX_SUPPORTED_BLOB_LEN) {
            throw new IllegalArgumentException("len exceeds the maximum supported length: len=" + len + " max="
                    + MAX_SUPPORTED_BLOB_LEN);
        }
        return (willInit ? 1L : 0L) | len << LEN_SHIFT | pos << POS_SHIFT;
    }

    static boolean willInit(long entry) {
        return (entry & 1L) != 0;
    }

    static int len(long entry) {
        return (int) ((entry >>> LEN_SHIFT) & MAX_SUPPORTED_BLOB_LEN);
    }

    static long pos(long entry) {
        return entry >>> POS_SHIFT;
    }

    /**
     * Whether an in-memory layer may grow to {@code checkpointDistance} bytes (Neon's
     * {@code validate_checkpoint_distance}): its values must stay addressable. Returns null when valid, else why.
     */
    static String validateCheckpointDistance(long checkpointDistance) {
        if (checkpointDistance < 0 || checkpointDistance > MAX_SUPPORTED_POS) {
            return "exceeds the maximum supported value";
        }
        return null;
    }
}
