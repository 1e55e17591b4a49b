package io.strata.engine.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ImageCompressionAlgorithmTest {
    @Test
    void neonSyntax() {
        assertEquals(ImageCompressionAlgorithm.DISABLED, ImageCompressionAlgorithm.parse("disabled"));
        assertEquals(new ImageCompressionAlgorithm.Zstd(OptionalInt.empty()), ImageCompressionAlgorithm.parse("zstd"));
        assertEquals(ImageCompressionAlgorithm.DEFAULT, ImageCompressionAlgorithm.parse("zstd(1)"));
        assertEquals(ImageCompressionAlgorithm.Zstd.level(-5), ImageCompressionAlgorithm.parse("zstd(-5)"));
        assertEquals("zstd(1)", ImageCompressionAlgorithm.DEFAULT.toString());
        assertEquals("zstd", ImageCompressionAlgorithm.parse("zstd").toString());
        assertEquals("disabled", ImageCompressionAlgorithm.DISABLED.toString());
        assertThrows(IllegalArgumentException.class, () -> ImageCompressionAlgorithm.parse("zstd(200)"));
        assertThrows(IllegalArgumentException.class, () -> ImageCompressionAlgorithm.parse("lz4"));
    }
}
