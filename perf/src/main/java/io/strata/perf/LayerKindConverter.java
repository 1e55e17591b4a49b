package io.strata.perf;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Picocli converter for one entry of {@code --kinds image,delta}. */
public final class LayerKindConverter implements ITypeConverter<LayerKind> {
    @Override
    public LayerKind convert(String value) {
        try {
            return LayerKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
