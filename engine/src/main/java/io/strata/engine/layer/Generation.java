package io.strata.engine.layer;

/**
 * A tenant generation (Neon's {@code Generation}): none for layers written before generations existed,
 * otherwise a u32 that grows with every attachment. It suffixes physical layer names so that two
 * pageservers attached to one tenant never overwrite each other's files. None orders before every value.
 */
public final class Generation implements Comparable<Generation> {
    private static final Generation NONE = new Generation(false, 0);

    private final boolean valid;
    private final int value;

    private Generation(boolean valid, int value) {
        this.valid = valid;
        this.value = value;
    }

    /** The legacy "no generation". */
    public static Generation none() {
        return NONE;
    }

    /** Generation {@code value} (u32 bits). */
    public static Generation of(int value) {
        return new Generation(true, value);
    }

    public boolean isNone() {
        return !valid;
    }

    /**
     * The u32 value (as int bits).
     *
     * @throws IllegalStateException for {@link #none()}
     */
    public int value() {
        if (!valid) {
            throw new IllegalStateException("no generation");
        }
        return value;
    }

    /** Local file name suffix: {@code -v1-%08x}, or empty for none. */
    public String localSuffix() {
        return valid ? "-v1" + remoteSuffix() : "";
    }

    /** Remote object name suffix: {@code -%08x}, or empty for none. */
    public String remoteSuffix() {
        return valid ? String.format("-%08x", value) : "";
    }

    @Override
    public int compareTo(Generation o) {
        if (valid != o.valid) {
            return valid ? 1 : -1;
        }
        return Integer.compareUnsigned(value, o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Generation g && valid == g.valid && value == g.value;
    }

    @Override
    public int hashCode() {
        return valid ? value : -1;
    }

    /** {@code <none>} or 8 lower-case hex digits, like Neon's Debug form. */
    @Override
    public String toString() {
        return valid ? String.format("%08x", value) : "<none>";
    }
}
