package io.strata.perf;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Picocli converter for size options ({@code --size 1g}, {@code --block 8k}); see {@link Sizes}. */
public final class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        long v;
        try {
            v = Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
        if (v <= 0) {
            throw new TypeConversionException("invalid size '" + value + "': must be positive");
        }
        return v;
    }
}
