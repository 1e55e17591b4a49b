package io.strata.engine.value;

/** The raw bytes given to {@link ValueBytes#willInit} are too short to tell (Neon's {@code InvalidInput}). */
public final class InvalidValueBytesException extends RuntimeException {
    /** Neon's two cases. */
    public enum Reason {
        /** Fewer than 12 bytes: not even an empty image. */
        TOO_SHORT_VALUE,
        /** A Postgres WAL record of fewer than 17 bytes. */
        TOO_SHORT_POSTGRES_RECORD
    }

    private final Reason reason;
    private final int length;

    public InvalidValueBytesException(Reason reason, int length) {
        super(reason + ": " + length + " bytes (need at least "
                + (reason == Reason.TOO_SHORT_VALUE ? ValueBytes.MIN_VALUE_LEN : ValueBytes.MIN_POSTGRES_RECORD_LEN)
                + ")");
        this.reason = reason;
        this.length = length;
    }

    public Reason reason() {
        return reason;
    }

    public int length() {
        return length;
    }
}
