package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.layer.PersistentLayerDesc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiny layer-map runs: a synthetic map, a layer-name file, the builtin names, and bad input. Nothing timed. */
class LayerMapSmokeTest {
    @TempDir
    Path dir;

    private static JsonNode json(PerfRun r) throws Exception {
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("layer-map", json.path("benchmark").asText());
        assertTrue(json.path("search").path("ops").asLong() > 0, json.toString());
        assertTrue(json.path("search").path("ops_per_second").asDouble() > 0, json.toString());
        assertTrue(json.path("range_search").path("ops").asLong() > 0, json.toString());
        assertTrue(json.path("build_cold_ms").asDouble() > 0, json.toString());
        return json;
    }

    @Test
    void generatedMapIsBuiltSearchedAndEverySearchChecked() throws Exception {
        PerfRun r = PerfRun.of("layer-map", "--generate", "3000", "--seconds", "0.2", "--warmup-seconds", "0",
                "--build-rounds", "1", "--verify", "100000", "--threads", "2");
        JsonNode json = json(r);
        assertEquals(3000, json.path("layers").asInt());
        assertEquals(SyntheticLayers.TOP_L0S, json.path("l0_deltas").asInt());
        int queries = json.path("search").path("queries").asInt();
        assertEquals(json.path("image_layers").asInt(), queries, "one query per image layer");
        assertEquals(queries, json.path("verified_searches").asInt(), "a small map is checked whole");
        assertEquals(false, json.path("verify_sampled").asBoolean());
        assertEquals(2, json.path("threads").asInt());
        assertTrue(r.out().contains("search"), r.out());
    }

    @Test
    void layerNameFileIsReadSkippingBlankLines() throws Exception {
        List<String> lines = new ArrayList<>();
        for (PersistentLayerDesc l : SyntheticLayers.generate(500, 7)) {
            lines.add(l.name().toString());
            lines.add("");
        }
        Path file = dir.resolve("names.txt");
        Files.write(file, lines);
        JsonNode json = json(PerfRun.of("layer-map", "--layer-names", file.toString(), "--seconds", "0.1",
                "--warmup-seconds", "0", "--build-rounds", "0"));
        assertEquals(500, json.path("layers").asInt());
        assertEquals(file.toString(), json.path("source").asText());
    }

    /** Neon's small benchmark file, when it is where builtin names are looked up (it is not in this repository). */
    @Test
    void builtinLargeWhenPresent() throws Exception {
        PerfRun r = PerfRun.of("layer-map", "--layer-names", "builtin:large", "--seconds", "0.1",
                "--warmup-seconds", "0", "--build-rounds", "0", "--verify", "200");
        assumeTrue(r.code() == 0 || !r.err().contains("is not here"), "builtin:large is not available here");
        JsonNode json = json(r);
        assertEquals(5651, json.path("layers").asInt());
        assertEquals(200, json.path("verified_searches").asInt());
    }

    @Test
    void missingBuiltinOrBadInputIsOneLineWithTheReason() throws Exception {
        PerfRun unknown = PerfRun.of("layer-map", "--layer-names", "builtin:nope");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown layer-name set 'builtin:nope'"), unknown.err());

        String prev = System.getProperty("strata.layerNames.dir");
        System.setProperty("strata.layerNames.dir", dir.toString());
        try {
            PerfRun r = PerfRun.of("layer-map", "--layer-names", "builtin:odd-brook", "--seconds", "0.1");
            if (r.code() != 0) {
                assertTrue(r.err().contains("odd-brook-layernames.txt") && r.err().contains(dir.toString()), r.err());
            }
        } finally {
            if (prev == null) {
                System.clearProperty("strata.layerNames.dir");
            } else {
                System.setProperty("strata.layerNames.dir", prev);
            }
        }

        Path bad = dir.resolve("bad.txt");
        Files.write(bad, List.of("not a layer name"));
        PerfRun r = PerfRun.of("layer-map", "--layer-names", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("line 1") && r.err().contains("not a layer name"), r.err());

        PerfRun both = PerfRun.of("layer-map", "--layer-names", bad.toString(), "--generate", "10");
        assertEquals(2, both.code(), both.err());
        PerfRun neither = PerfRun.of("layer-map");
        assertEquals(2, neither.code(), neither.err());
    }
}
