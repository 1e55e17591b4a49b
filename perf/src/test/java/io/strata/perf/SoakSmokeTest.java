package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few seconds of soak: the table, the JSON with the seed and counters, nothing left behind. */
class SoakSmokeTest {
    @TempDir
    Path dir;

    @Test
    void runsTheModelCheckerForTheTimeGivenAndReports() throws Exception {
        PerfRun r = PerfRun.of("soak", "--minutes", "0.05", "--seed", "42", "--readers", "1", "--dir",
                dir.toString(), "--progress-seconds", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("seed 42"), r.err());
        assertTrue(r.out().contains("soak (seed 42)") && r.out().contains("reads checked"), r.out());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("soak", json.path("benchmark").asText());
        assertEquals(42, json.path("seed").asLong());
        assertTrue(json.path("operations_total").asLong() > 0, json.toString());
        long byKind = 0;
        for (JsonNode n : json.path("operations")) {
            byKind += n.asLong();
        }
        assertEquals(json.path("operations_total").asLong(), byKind, json.toString());
        assertTrue(json.path("reads_checked").asLong() > 0, json.toString());
        assertTrue(json.path("elapsed_seconds").asDouble() >= 3, json.toString());
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(0, s.filter(Files::isRegularFile).count(), "no file is left behind");
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, PerfRun.of("soak", "--seed", "1").code());
        assertEquals(2, PerfRun.of("soak", "--minutes", "0", "--dir", dir.toString()).code());
        assertEquals(2, PerfRun.of("soak", "--minutes", "1", "--readers", "-1", "--dir", dir.toString()).code());
    }
}
