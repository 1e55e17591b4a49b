package io.strata.perf;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Picocli converter for one queue depth of a {@code --qd 1,8,32} list: an integer in [1, 65536]. */
public final class QueueDepthConverter implements ITypeConverter<Integer> {
    public static final int MAX = 65536;

    @Override
    public Integer convert(String value) {
        int qd;
        try {
            qd = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("invalid queue depth '" + value
                    + "': expected a comma-separated list of positive integers like 1,8,32,128");
        }
        if (qd < 1 || qd > MAX) {
            throw new TypeConversionException("invalid queue depth " + qd + ": must be in [1, " + MAX + "]");
        }
        return qd;
    }
}
