package io.strata.engine.blob;

/**
 * A blob that cannot be what a writer produced: a reserved compression code, a header or payload running past
 * the data at hand, or a zstd payload that does not decompress. Carries the file offset of the blob's header.
 */
public final class BlobCorruptionException extends RuntimeException {
    private final long blobOffset;

    public BlobCorruptionException(long blobOffset, String reason) {
        super("corrupt blob at offset " + blobOffset + ": " + reason);
        this.blobOffset = blobOffset;
    }

    public BlobCorruptionException(long blobOffset, String reason, Throwable cause) {
        super("corrupt blob at offset " + blobOffset + ": " + reason, cause);
        this.blobOffset = blobOffset;
    }

    /** File offset of the blob's first header byte. */
    public long blobOffset() {
        return blobOffset;
    }
}
