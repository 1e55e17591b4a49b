package io.strata.engine.key;

/** A timeline's 128-bit id; written into layer summaries, so layer files name the timeline they belong to. */
public final class TimelineId extends Id implements Comparable<TimelineId> {
    private TimelineId(byte[] bytes) {
        super(bytes);
    }

    /** From exactly 16 bytes (copied). */
    public static TimelineId fromBytes(byte[] bytes) {
        return new TimelineId(bytes);
    }

    /** From 16 bytes at {@code off}. */
    public static TimelineId read(byte[] src, int off) {
        byte[] b = new byte[SIZE];
        System.arraycopy(src, off, b, 0, SIZE);
        return new TimelineId(b);
    }

    /**
     * Parses 32 hex digits of either case.
     *
     * @throws IllegalArgumentException naming the input
     */
    public static TimelineId parse(String hex) {
        return new TimelineId(parseHex("timeline id", hex));
    }

    /** A new random id. */
    public static TimelineId generate() {
        return new TimelineId(random());
    }

    @Override
    public int compareTo(TimelineId o) {
        return compareBytes(o);
    }
}
