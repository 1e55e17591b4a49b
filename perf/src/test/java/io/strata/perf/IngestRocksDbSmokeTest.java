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

/** Ingest beside RocksDB: its figure and ratio per case, its L0 file written for delta cases, nothing left behind. */
class IngestRocksDbSmokeTest {
    @TempDir
    Path dir;

    @Test
    void eachCaseAlsoRunsOnRocksDb() throws Exception {
        PerfRun r = PerfRun.of("ingest", "--dir", dir.toString(), "--size", "256k", "--cases",
                "8k-seq-delta,100b-seq-nodelta", "--paths", "layer", "--rounds", "1", "--warmup", "0",
                "--peer", "rocksdb", "--engine", PerfRun.engine());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("vs RocksDB"), r.out());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertTrue(json.path("rocksdb").path("wal").asText().startsWith("disabled"), json.toString());
        assertEquals(2, json.path("results").size());
        for (JsonNode row : json.path("results")) {
            assertTrue(row.path("rocksdb_mib_per_s").asDouble() > 0, row.toString());
            assertTrue(row.path("vs_rocksdb").asDouble() > 0, row.toString());
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("rocksdb")), "the database is removed");
        }
    }
}
