package io.strata.engine.blob;

/** A payload longer than {@link BlobHeader#MAX_SUPPORTED_BLOB_LEN}: its length cannot be stored in a header. */
public final class BlobTooLargeException extends IllegalArgumentException {
    private final long length;

    public BlobTooLargeException(long length) {
        super("blob too large (" + length + " bytes; at most " + BlobHeader.MAX_SUPPORTED_BLOB_LEN + ")");
        this.length = length;
    }

    /** The uncompressed payload length that was refused. */
    public long length() {
        return length;
    }
}
