package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.key.Key;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny ingest run of every case through both paths: the table, the JSON, nothing left behind. Nothing timed. */
class IngestSmokeTest {
    @TempDir
    Path dir;

    @Test
    void everyCaseRunsAndReportsBesideNeonsFigures() throws Exception {
        PerfRun r = PerfRun.of("ingest", "--dir", dir.toString(), "--size", "256k", "--rounds", "1", "--warmup", "0",
                "--engine", PerfRun.engine());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Neon MiB/s"), r.out());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("ingest", json.path("benchmark").asText());
        JsonNode results = json.path("results");
        assertEquals(6 + 4, results.size(), "six layer cases, four timeline cases (those with delta)");
        Set<String> neon = new HashSet<>();
        for (JsonNode row : results) {
            assertTrue(row.path("mib_per_s").asDouble() > 0, row.toString());
            int valueBytes = row.path("value_bytes").asInt();
            assertEquals(256 * 1024 / valueBytes, row.path("puts").asInt());
            if (row.path("write_delta").asBoolean()) {
                assertTrue(row.path("delta_file_bytes").asLong() > 256 * 1024, row.toString());
            }
            neon.add(row.path("case").asText() + "=" + row.path("neon_mib_per_s").asDouble());
        }
        assertTrue(neon.containsAll(Set.of("100b-seq-delta=205.6", "100b-random-delta=118.9",
                "8k-seq-delta=468.4", "8k-seq-nodelta=1030.2")), neon.toString());
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(0, s.filter(Files::isRegularFile).count(), "no file is left behind");
        }
    }

    @Test
    void keysFollowNeonsLayouts() {
        assertEquals(new Key(0, 0, 0, 0, 0, 5), IngestBench.key(IngestBench.KeyLayout.SEQUENTIAL, 5));
        // Neon's murmurhash32 of 1 (its u32 arithmetic, evaluated independently)
        assertEquals(0x514E28B7, IngestBench.murmurhash32(1));
        assertEquals(IngestBench.murmurhash32(7) & 0x3ff,
                IngestBench.key(IngestBench.KeyLayout.RANDOM_REUSE, 7).field6());
        assertEquals(1000 + 100 * 3, IngestBench.lsn(100, 2).value());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, PerfRun.of("ingest", "--dir", dir.toString(), "--cases", "nope").code());
        assertEquals(2, PerfRun.of("ingest", "--dir", dir.toString(), "--paths", "x").code());
        assertEquals(2, PerfRun.of("ingest", "--dir", dir.toString(), "--rounds", "0").code());
    }
}
