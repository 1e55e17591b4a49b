package io.strata.perf;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Like {@link SizeConverter}, but 0 is allowed: for sizes where 0 means "none" ({@code --warmup 0}). */
public final class SizeOrZeroConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
