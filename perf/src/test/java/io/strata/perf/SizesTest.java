package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class SizesTest {
    @Test
    void parsesBytesAndBinaryUnits() {
        assertEquals(512, Sizes.parse("512"));
        assertEquals(512, Sizes.parse("512b"));
        assertEquals(8192, Sizes.parse("8k"));
        assertEquals(8192, Sizes.parse("8K"));
        assertEquals(8192, Sizes.parse("8KiB"));
        assertEquals(8192, Sizes.parse("8kb"));
        assertEquals(1L << 20, Sizes.parse("1m"));
        assertEquals(1L << 20, Sizes.parse(" 1M "));
        assertEquals(1L << 30, Sizes.parse("1g"));
        assertEquals(3L << 30, Sizes.parse("3GB"));
        assertEquals(2L << 40, Sizes.parse("2t"));
        assertEquals(0, Sizes.parse("0"));
    }

    @Test
    void rejectsWhatIsNotASize() {
        for (String bad : new String[] {"", "  ", "k", "1q", "1.5g", "-1", "1 g g", "0x10", "8kk",
                "99999999999999999999", "9000000000000t"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
            assertTrue(e.getMessage().contains("512, 8k, 1m, 1g"), e.getMessage());
        }
    }

    @Test
    void formatsTheShortestExactForm() {
        assertEquals("8k", Sizes.format(8192));
        assertEquals("1m", Sizes.format(1L << 20));
        assertEquals("1g", Sizes.format(1L << 30));
        assertEquals("1536m", Sizes.format(3L << 29));
        assertEquals("1000", Sizes.format(1000));
        assertEquals("0", Sizes.format(0));
    }

    @Test
    void converterRefusesZeroAndExplainsBadValues() {
        SizeConverter c = new SizeConverter();
        assertEquals(8192L, c.convert("8k"));
        assertThrows(TypeConversionException.class, () -> c.convert("0"));
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> c.convert("eight"));
        assertTrue(e.getMessage().contains("'eight'"), e.getMessage());
    }

    @Test
    void queueDepthsMustBePositiveIntegers() {
        QueueDepthConverter c = new QueueDepthConverter();
        assertEquals(32, c.convert("32"));
        assertThrows(TypeConversionException.class, () -> c.convert("0"));
        assertThrows(TypeConversionException.class, () -> c.convert("-4"));
        assertThrows(TypeConversionException.class, () -> c.convert("8k"));
        assertThrows(TypeConversionException.class, () -> c.convert("100000"));
    }

    @Test
    void zeroConverterTakesZeroButNotGarbage() {
        SizeOrZeroConverter c = new SizeOrZeroConverter();
        assertEquals(0L, c.convert("0"));
        assertEquals(256L << 20, c.convert("256m"));
        assertThrows(TypeConversionException.class, () -> c.convert("-1"));
        assertThrows(TypeConversionException.class, () -> c.convert("lots"));
    }
}
