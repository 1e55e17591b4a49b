package io.strata.engine.vectored;

import java.nio.file.Path;

/**
 * A planned read that cannot be decoded: the file ended before the planned range (a truncated layer file) or a
 * blob in it is corrupt. Names the file, the blob's offset and its key/LSN, so the layer can be quarantined.
 */
public final class VectoredReadException extends RuntimeException {
    private final Path path;
    private final long blobOffset;

    public VectoredReadException(Path path, long blobOffset, String message, Throwable cause) {
        super(path + ": " + message, cause);
        this.path = path;
        this.blobOffset = blobOffset;
    }

    public Path path() {
        return path;
    }

    /** File offset of the offending blob's header. */
    public long blobOffset() {
        return blobOffset;
    }
}
