package io.strata.perf;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Picocli converter for size options ({@code --size 1g}, {@code --block 8k}); see {@link Sizes}. */
public final class SizeConverter implements ITypeConverter<Long> {
    private final SizeOrZeroConverter sizes = new SizeOrZeroConverter();

    @Override
    public Long convert(String value) {
        long v = sizes.convert(value);
        if (v <= 0) {
            throw new TypeConversionException("invalid size '" + value + "': must be positive");
        }
        return v;
    }
}
