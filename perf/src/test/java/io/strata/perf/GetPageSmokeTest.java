package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real, tiny getpage run without fio: the dataset is written, every get checked, the JSON complete. Nothing timed. */
class GetPageSmokeTest {
    @TempDir
    Path dir;

    @Test
    void writesTheTimelineThenGetsPagesAndReportsJson() throws Exception {
        PerfRun r = PerfRun.of("getpage", "--dir", dir.toString(), "--keys", "512", "--layers", "3", "--qd", "1,4",
                "--seconds", "1", "--warmup", "0", "--jit-warmup", "0", "--cached-keys", "256", "--no-fio",
                "--engine", PerfRun.engine());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("getpage: writing"), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("getpage", json.path("benchmark").asText());
        assertEquals(512, json.path("keys").asInt());
        JsonNode un = json.path("uncached");
        assertEquals(2, un.size());
        for (JsonNode row : un) {
            assertTrue(row.path("gets_per_s").asDouble() > 0, row.toString());
            assertTrue(row.path("fio_iops").isNull(), "no fio: " + row);
            // keys k % 3 == 0 are in the image under two deltas: 3 visits; the others 1 or 2
            double layers = row.path("layers_per_get").asDouble();
            assertTrue(layers > 1.5 && layers < 2.5, row.toString());
        }
        assertEquals(2, json.path("cached").size());
        assertTrue(json.path("cached").get(0).path("gets_per_s_per_core").asDouble() > 0, json.toString());

        PerfRun again = PerfRun.of("getpage", "--dir", dir.toString(), "--keys", "512", "--layers", "3", "--qd", "2",
                "--seconds", "1", "--warmup", "0", "--jit-warmup", "0", "--cached-keys", "0", "--no-fio",
                "--engine", PerfRun.engine());
        assertEquals(0, again.code(), again.err());
        assertTrue(!again.err().contains("getpage: writing"), "the second run reuses the layers: " + again.err());
    }
}
