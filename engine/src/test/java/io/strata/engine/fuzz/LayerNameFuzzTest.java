package io.strata.engine.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerName;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the layer file name parser (Neon's {@code LayerName::from_str}, FORMAT 5.3), which restart runs on every
 * file of a timeline directory. {@code tryParse} never throws; {@code parse} gives a name or an
 * {@link IllegalArgumentException} with a message; a parsed name is well formed (its LSN range has an end) and its
 * canonical and local file names parse back to it. (Not the remote name: an image's {@code -<8 hex>} generation
 * suffix reads as a delta's LSN end too, which Neon's parser refuses as ambiguous, and so does Strata's.)
 */
class LayerNameFuzzTest {
    private static final FuzzOutcomes OUTCOMES = new FuzzOutcomes(IllegalArgumentException.class);
    private static final Generation GENERATION = Generation.of(0xdeadbeef);

    @FuzzTest(maxDuration = "20s")
    void parse(byte[] input) {
        String s = new String(input, StandardCharsets.UTF_8);
        DeltaLayerName.tryParse(s);
        ImageLayerName.tryParse(s);
        LayerName name;
        try {
            name = LayerName.parse(s);
        } catch (RuntimeException e) {
            OUTCOMES.check(e, '"' + s + '"');
            return;
        }
        assertTrue(name.lsnStart().compareTo(name.lsnEnd()) < 0,
                () -> "LSN range of \"" + s + "\" is empty: " + name.lsnStart() + ".." + name.lsnEnd());
        assertEquals(name, LayerName.parse(name.toString()), () -> "canonical form of \"" + s + "\"");
        assertEquals(name, LayerName.parse(name.localFileName(GENERATION)), () -> "local file name of \"" + s + "\"");
    }
}
