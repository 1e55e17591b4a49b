package io.strata.perf;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Picocli converter for one entry of {@code --engine uring,filechannel}. */
public final class BenchEngineConverter implements ITypeConverter<BenchEngine> {
    @Override
    public BenchEngine convert(String value) {
        try {
            return BenchEngine.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
