package io.strata.perf;

import java.util.Locale;

/**
 * Byte sizes as people type them: {@code 512} (bytes), {@code 8k}, {@code 1m}, {@code 1g}, {@code 2t}; the unit
 * may also be written {@code kb}/{@code kib} (any case). All multiples are binary (1k = 1024), as in fio.
 */
public final class Sizes {
    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;
    public static final long TIB = 1L << 40;

    private Sizes() {
    }

    /** Parses a size; throws IllegalArgumentException naming the bad text and the expected form. */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size (expected a number of bytes with an optional unit: 512, 8k, 1m, 1g, 2t)");
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        if (end == 0) {
            throw bad(text, "it does not start with a digit");
        }
        String unit = s.substring(end).trim();
        long multiplier = switch (unit) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> KIB;
            case "m", "mb", "mib" -> MIB;
            case "g", "gb", "gib" -> GIB;
            case "t", "tb", "tib" -> TIB;
            default -> throw bad(text, "unknown unit '" + s.substring(end) + "'");
        };
        long number;
        try {
            number = Long.parseLong(s.substring(0, end));
        } catch (NumberFormatException e) {
            throw bad(text, "the number is too large");
        }
        try {
            return Math.multiplyExact(number, multiplier);
        } catch (ArithmeticException e) {
            throw bad(text, "it does not fit in 63 bits");
        }
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("invalid size '" + text + "': " + why
                + " (expected a number of bytes with an optional unit: 512, 8k, 1m, 1g, 2t)");
    }

    /** The shortest exact form: {@code 8192 -> "8k"}, {@code 1073741824 -> "1g"}, {@code 1000 -> "1000"}. */
    public static String format(long bytes) {
        if (bytes != 0) {
            if (bytes % TIB == 0) {
                return bytes / TIB + "t";
            }
            if (bytes % GIB == 0) {
                return bytes / GIB + "g";
            }
            if (bytes % MIB == 0) {
                return bytes / MIB + "m";
            }
            if (bytes % KIB == 0) {
                return bytes / KIB + "k";
            }
        }
        return Long.toString(bytes);
    }
}
