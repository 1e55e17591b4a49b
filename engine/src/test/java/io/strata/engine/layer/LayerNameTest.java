package io.strata.engine.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import org.junit.jupiter.api.Test;

/** Neon's layer_name.rs cases and the parsing rules of FORMAT 5.3. */
class LayerNameTest {
    private static final String KEYS = "000000000000000000000000000000000000-000000067F00000001000004DF0000000006";
    private static final KeyRange RANGE = new KeyRange(Key.MIN, Key.fromHex("000000067F00000001000004DF0000000006"));

    @Test
    void imageLayerParse() {
        ImageLayerName expected = new ImageLayerName(RANGE, Lsn.fromHex("00000000014FED58"));
        assertEquals(expected, LayerName.parse(KEYS + "__00000000014FED58-v1-00000001"));
        assertEquals(expected, LayerName.parse(KEYS + "__00000000014FED58-00000001"));
        assertEquals(expected, LayerName.parse(KEYS + "__00000000014FED58"));
        assertEquals(new Lsn(0x14FED58), expected.lsn());
    }

    @Test
    void deltaLayerParse() {
        DeltaLayerName expected = new DeltaLayerName(RANGE, new Lsn(0x14FED58), new Lsn(0x154C481));
        assertEquals(expected, LayerName.parse(KEYS + "__00000000014FED58-000000000154C481-v1-00000001"));
        assertEquals(expected, LayerName.parse(KEYS + "__00000000014FED58-000000000154C481-00000001"));
        assertEquals(expected, LayerName.parse(KEYS + "__00000000014FED58-000000000154C481"));
    }

    @Test
    void formatFromFormat51() {
        String image = "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__00000000346BC568";
        LayerName parsed = LayerName.parse(image);
        assertInstanceOf(ImageLayerName.class, parsed);
        assertEquals(image, parsed.toString());
        assertEquals("image", parsed.kind());

        String l0 = "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__000000000154C481-0000000001578D20";
        DeltaLayerName delta = (DeltaLayerName) LayerName.parse(l0);
        assertEquals(l0, delta.toString());
        assertTrue(delta.isL0());
        assertTrue(delta.isDelta());
        assertEquals("delta", delta.kind());
        assertFalse(new DeltaLayerName(RANGE, new Lsn(1), new Lsn(2)).isL0());
    }

    @Test
    void physicalNames() {
        ImageLayerName image = new ImageLayerName(RANGE, new Lsn(0x14FED58));
        assertEquals(KEYS + "__00000000014FED58-v1-0000000a", image.localFileName(Generation.of(10)));
        assertEquals(KEYS + "__00000000014FED58", image.localFileName(Generation.none()));
        assertEquals(KEYS + "__00000000014FED58-ffffffff", image.remoteFileName(Generation.of(-1)));
        assertEquals(KEYS + "__00000000014FED58", image.remoteFileName(Generation.none()));
        DeltaLayerName delta = new DeltaLayerName(RANGE, new Lsn(0x14FED58), new Lsn(0x154C481));
        assertEquals(delta, LayerName.parse(delta.localFileName(Generation.of(0xABCDEF01))));
        assertEquals(delta, LayerName.parse(delta.remoteFileName(Generation.of(0))));
        assertEquals(image, LayerName.parse(image.localFileName(Generation.of(0x7FFFFFFF))));
    }

    @Test
    void tempNames() {
        ImageLayerName image = new ImageLayerName(RANGE, new Lsn(0x14FED58));
        assertEquals(KEYS + "__00000000014FED58.1f.___temp", image.tempFileName(0x1F));
        assertEquals("000000067F00000001000004DF0000000006-XXX__00000000014FED58-000000000154C481.a.___temp",
                DeltaLayerName.tempFileName(RANGE.end(), new Lsn(0x14FED58), new Lsn(0x154C481), 10));
        long first = LayerName.nextTempDisambiguator();
        assertTrue(first >= 1);
        assertEquals(first + 1, LayerName.nextTempDisambiguator());
        assertThrows(IllegalArgumentException.class, () -> LayerName.parse(image.tempFileName(1)));
    }

    @Test
    void generationSuffixRules() {
        // the image parser accepts a tail starting with 'v' or exactly 8 bytes long, whatever it holds
        assertTrue(ImageLayerName.tryParse(KEYS + "__00000000014FED58-vwhatever").isPresent());
        assertTrue(ImageLayerName.tryParse(KEYS + "__00000000014FED58-zzzzzzzz").isPresent());
        assertFalse(ImageLayerName.tryParse(KEYS + "__00000000014FED58-zzzzzzz").isPresent());
        assertFalse(ImageLayerName.tryParse(KEYS + "__00000000014FED58-Vx").isPresent());
        // 8 bytes in UTF-8, not 8 chars: "ééé" + "zz" is 5 chars but 8 bytes
        assertTrue(ImageLayerName.tryParse(KEYS + "__00000000014FED58-\u00e9\u00e9\u00e9zz").isPresent());
        assertFalse(ImageLayerName.tryParse(KEYS + "__00000000014FED58-\u00e9\u00e9\u00e9zzzzz").isPresent());
        // a delta name is not an image name: its tail is the 16-digit end LSN
        assertFalse(ImageLayerName.tryParse(KEYS + "__00000000014FED58-000000000154C481").isPresent());
        assertTrue(DeltaLayerName.tryParse(KEYS + "__00000000014FED58-000000000154C481-vX").isPresent());
        assertFalse(DeltaLayerName.tryParse(KEYS + "__00000000014FED58-000000000154C481-0000001").isPresent());
        // an image name is not a delta name
        assertFalse(DeltaLayerName.tryParse(KEYS + "__00000000014FED58").isPresent());
        assertFalse(DeltaLayerName.tryParse(KEYS + "__00000000014FED58-v1-00000001").isPresent());
    }

    @Test
    void deltaOrderingChecks() {
        assertFalse(DeltaLayerName.tryParse(KEYS + "__0000000000000002-0000000000000002").isPresent());
        assertFalse(DeltaLayerName.tryParse(KEYS + "__0000000000000003-0000000000000002").isPresent());
        String reversedKeys = "000000067F00000001000004DF0000000006-000000000000000000000000000000000000";
        assertFalse(DeltaLayerName.tryParse(reversedKeys + "__0000000000000001-0000000000000002").isPresent());
        // images check no ordering
        Optional<ImageLayerName> image = ImageLayerName.tryParse(reversedKeys + "__0000000000000001");
        assertTrue(image.isPresent());
        assertTrue(image.get().keyRange().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new DeltaLayerName(RANGE, new Lsn(2), new Lsn(2)));
        assertThrows(IllegalArgumentException.class,
                () -> new DeltaLayerName(new KeyRange(Key.MAX, Key.MIN), new Lsn(1), new Lsn(2)));
    }

    @Test
    void ambiguousNameIsRejectedWhereNeonAborts() {
        // image LSN 1 with an 8-digit "generation" 00000002 also reads as delta [1, 2)
        String name = KEYS + "__1-00000002";
        assertTrue(ImageLayerName.tryParse(name).isPresent());
        assertTrue(DeltaLayerName.tryParse(name).isPresent());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerName.parse(name));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        // with the LSN above the "generation" only the image parser succeeds
        assertInstanceOf(ImageLayerName.class, LayerName.parse(KEYS + "__3-00000002"));
    }

    @Test
    void rejectsNonLayerNamesNamingTheInput() {
        for (String bad : new String[] {"", "metadata", "index_part.json", KEYS, KEYS + "_00000000014FED58",
                "000000000000000000000000000000000000__00000000014FED58", KEYS + "__", KEYS + "__G",
                KEYS + "__10000000000000000", "00000000000000000000000000000000000-000000067F00000001000004DF0000000006__1",
                KEYS + "__FFFFFFFFFFFFFFFF"}) { // an image at the largest LSN has no LSN range end
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerName.parse(bad), bad);
            assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
        }
    }

    @Test
    void anythingAfterAVGenerationIsIgnoredLikeNeon() {
        // Neon recognises temp files by their suffix before parsing; the parser itself accepts them
        String temp = KEYS + "__00000000014FED58-000000000154C481-v1-00000001.1.___temp";
        assertEquals(new DeltaLayerName(RANGE, new Lsn(0x14FED58), new Lsn(0x154C481)), LayerName.parse(temp));
    }

    @Test
    void lowerCaseAndLongLsnsParseLikeNeon() {
        assertEquals(new ImageLayerName(RANGE, new Lsn(0xABC)), LayerName.parse(KEYS.toLowerCase() + "__abc"));
        assertEquals(new ImageLayerName(RANGE, new Lsn(1)), LayerName.parse(KEYS + "__000000000000000000001"));
    }

    @Test
    void roundTripRandom() {
        Random rnd = new Random(5);
        for (int i = 0; i < 3000; i++) {
            Key a = new Key(rnd.nextInt(256), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(256), rnd.nextInt());
            Key b = new Key(rnd.nextInt(256), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(256), rnd.nextInt());
            if (a.equals(b)) {
                continue;
            }
            KeyRange range = a.compareTo(b) < 0 ? new KeyRange(a, b) : new KeyRange(b, a);
            long l1 = rnd.nextLong();
            long l2 = rnd.nextLong();
            if (l1 == l2 || l1 == -1 || l2 == -1) {
                continue;
            }
            Lsn lo = new Lsn(Long.compareUnsigned(l1, l2) < 0 ? l1 : l2);
            Lsn hi = new Lsn(Long.compareUnsigned(l1, l2) < 0 ? l2 : l1);
            Generation gen = rnd.nextBoolean() ? Generation.none() : Generation.of(rnd.nextInt());
            LayerName image = new ImageLayerName(range, lo);
            LayerName delta = new DeltaLayerName(range, lo, hi);
            assertEquals(delta, LayerName.parse(delta.localFileName(gen)));
            assertEquals(delta, LayerName.parse(delta.remoteFileName(gen)));
            assertEquals(image, LayerName.parse(image.localFileName(gen)));
            // a remote image name with a generation is ambiguous when its LSN is below the generation
            String remote = image.remoteFileName(gen);
            if (gen.isNone() || Long.compareUnsigned(lo.value(), Integer.toUnsignedLong(gen.value())) >= 0) {
                assertEquals(image, LayerName.parse(remote));
            }
        }
    }

    @Test
    void ordering() {
        ImageLayerName i1 = new ImageLayerName(RANGE, new Lsn(5));
        ImageLayerName i2 = new ImageLayerName(RANGE, new Lsn(0x8000_0000_0000_0000L));
        DeltaLayerName d1 = new DeltaLayerName(KeyRange.FULL, new Lsn(1), new Lsn(2));
        DeltaLayerName d2 = new DeltaLayerName(KeyRange.FULL, new Lsn(1), new Lsn(3));
        DeltaLayerName d0 = new DeltaLayerName(RANGE, new Lsn(9), new Lsn(10));
        List<LayerName> names = new ArrayList<>(List.of(d2, i2, d1, d0, i1));
        Collections.sort(names);
        assertEquals(List.of(i1, i2, d0, d1, d2), names);
        assertEquals(0, new ImageLayerName(RANGE, Lsn.MAX).compareTo(new ImageLayerName(RANGE, Lsn.MAX)));
    }

    @Test
    void generationOrderAndText() {
        assertTrue(Generation.none().compareTo(Generation.of(0)) < 0);
        assertTrue(Generation.of(1).compareTo(Generation.of(-1)) < 0);
        assertEquals("-00000000", Generation.of(0).remoteSuffix());
        assertEquals("-ffffffff", Generation.of(-1).remoteSuffix());
        assertEquals("", Generation.none().remoteSuffix());
        assertEquals("-v1-00000001", Generation.of(1).localSuffix());
        assertThrows(IllegalStateException.class, () -> Generation.none().value());
    }
}
