package io.strata.engine.blob;

/** How a blob's stored bytes are encoded: the compression code in the high nibble of a 4-byte header. */
public enum BlobCompression {
    /** Stored as is (1-byte headers, and 4-byte headers with code 0x80). */
    UNCOMPRESSED(0x80),
    /** A zstd frame (4-byte header with code 0x90). */
    ZSTD(0x90);

    private final int code;

    BlobCompression(int code) {
        this.code = code;
    }

    /** The header's first-byte high nibble for this compression, as a byte value (0x80 or 0x90). */
    public int code() {
        return code;
    }
}
