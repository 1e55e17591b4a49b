package io.strata.engine.bincode;

/**
 * Bytes that are not a valid bincode encoding of the expected type: truncated input, an invalid bool or option
 * tag, an unknown enum variant, a length that cannot fit, invalid UTF-8, or trailing bytes in strict mode.
 *
 * <p>Unchecked, so that decoders can be used from reactive pipelines without wrapping. {@link #offset()} is
 * relative to the start of the decoded region (the {@code offset} given to the reader), so it is the same
 * number whether the bytes sit in a blob window or in a standalone array.
 */
public final class BincodeDecodeException extends RuntimeException {
    private final long offset;
    private final String expected;

    public BincodeDecodeException(long offset, String expected, String found) {
        super(expected + " at offset " + offset + ": " + found);
        this.offset = offset;
        this.expected = expected;
    }

    /** Where in the decoded region the bad data starts. */
    public long offset() {
        return offset;
    }

    /** What the decoder was reading, e.g. {@code "bool"} or {@code "NeonWalRecord variant"}. */
    public String expected() {
        return expected;
    }
}
