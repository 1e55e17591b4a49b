package io.strata.engine.compaction.gc;

/** A gc-compaction job gave up (Neon's {@code CompactionError::Other}); the timeline is unchanged. */
public class GcCompactionException extends RuntimeException {
    public GcCompactionException(String message) {
        super(message);
    }

    public GcCompactionException(String message, Throwable cause) {
        super(message, cause);
    }
}
