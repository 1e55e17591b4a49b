package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** JMH finds the generated benchmark list and runs one benchmark in this JVM (no fork), very briefly. */
class JmhSmokeTest {
    @Test
    void runsAMatchingBenchmarkAndReportsItsScore() throws Exception {
        PerfRun r = PerfRun.of("jmh", "KeyCompareBench", "--forks", "0", "--warmup-iterations", "0", "--iterations",
                "1", "--iteration-ms", "50");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("jmh", json.path("benchmark").asText());
        assertEquals(1, json.path("results").size(), json.toString());
        JsonNode result = json.path("results").get(0);
        assertEquals("KeyCompareBench.compareTo", result.path("name").asText());
        assertTrue(result.path("score").asDouble() > 0, result.toString());
        assertEquals("ns/op", result.path("unit").asText());
    }

    @Test
    void aRegexMatchingNothingFails() {
        PerfRun r = PerfRun.of("jmh", "NoSuchBench", "--forks", "0", "--iterations", "1", "--iteration-ms", "10");
        assertEquals(1, r.code(), r.out());
    }
}
