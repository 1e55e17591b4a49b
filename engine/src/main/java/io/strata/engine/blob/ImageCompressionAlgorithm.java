package io.strata.engine.blob;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Neon's {@code image_compression} setting: how image-layer blobs are compressed on write. Readers always
 * accept both encodings. Delta layers always use {@link Disabled}.
 */
public sealed interface ImageCompressionAlgorithm {
    /** Neon's default: zstd level 1. */
    ImageCompressionAlgorithm DEFAULT = new Zstd(OptionalInt.of(1));
    ImageCompressionAlgorithm DISABLED = new Disabled();

    /** Blobs are written uncompressed. */
    record Disabled() implements ImageCompressionAlgorithm {
        @Override
        public String toString() {
            return "disabled";
        }
    }

    /**
     * zstd with a level (an i8 in Neon; absent or 0 means libzstd's default level, negative levels are the fast
     * modes; values outside libzstd's range are clamped, as Neon's compressor does).
     */
    record Zstd(OptionalInt level) implements ImageCompressionAlgorithm {
        public Zstd {
            Objects.requireNonNull(level, "level");
            if (level.isPresent() && (level.getAsInt() < Byte.MIN_VALUE || level.getAsInt() > Byte.MAX_VALUE)) {
                throw new IllegalArgumentException("zstd level is an i8, got " + level.getAsInt());
            }
        }

        public static Zstd level(int level) {
            return new Zstd(OptionalInt.of(level));
        }

        @Override
        public String toString() {
            return level.isPresent() ? "zstd(" + level.getAsInt() + ")" : "zstd";
        }
    }

    /** Parses Neon's config syntax: {@code disabled}, {@code zstd} or {@code zstd(<level>)}. */
    public static ImageCompressionAlgorithm parse(String s) {
        if (s.equals("disabled")) {
            return DISABLED;
        }
        if (s.equals("zstd")) {
            return new Zstd(OptionalInt.empty());
        }
        if (s.startsWith("zstd(") && s.endsWith(")")) {
            String level = s.substring(5, s.length() - 1);
            try {
                return Zstd.level(Byte.parseByte(level));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid zstd level '" + level + "' in '" + s + "'", e);
            }
        }
        throw new IllegalArgumentException("invalid image compression '" + s
                + "' (expected disabled, zstd or zstd(<level>))");
    }
}
