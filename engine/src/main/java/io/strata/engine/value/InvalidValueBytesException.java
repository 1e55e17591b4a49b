package io.strata.engine.value;

/** The raw bytes given to {@link ValueBytes#willInit} are too short to tell (Neon's {@code InvalidInput}). */
public final class InvalidValueBytesException extends RuntimeException {
    /** Neon's two cases. */
    public enum Reason {
        /** Fewer than 12 bytes: not even an empty image. */
        TOO_SHORT_VALUE,
        /** A Postgres WAL record of fewer than 17 bytes. */
        TOO_SHORT_POSTGRES_RECORD,
        /** Strata's {@link NeonWalRecord.Physical} record cut before its will_init byte (not a Neon case). */
        TOO_SHORT_PHYSICAL_RECORD
    }

    private final Reason reason;
    private final int length;

    public InvalidValueBytesException(Reason reason, int length) {
        this(reason, length, switch (reason) {
            case TOO_SHORT_VALUE -> ValueBytes.MIN_VALUE_LEN;
            case TOO_SHORT_POSTGRES_RECORD -> ValueBytes.MIN_POSTGRES_RECORD_LEN;
            case TOO_SHORT_PHYSICAL_RECORD -> ValueBytes.MIN_PHYSICAL_RECORD_LEN;
        });
    }

    /** With the number of bytes the value would need ({@code needed}, which may exceed the minimum). */
    public InvalidValueBytesException(Reason reason, int length, long needed) {
        super(reason + ": " + length + " bytes (need at least " + needed + ")");
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
