package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiny scan and getpage runs beside RocksDB, without fio: every page of both engines is checked against its stamp
 * (a wrong or missing page fails the command), and the JSON has Strata's figures, RocksDB's and their ratio.
 */
class ScanSmokeTest {
    @TempDir
    Path dir;

    @Test
    void scanReadsEveryPageOnStrataAndRocksDb() throws Exception {
        PerfRun r = PerfRun.of("scan", "--dir", dir.toString(), "--keys", "600", "--layers", "3", "--batch-keys",
                "100", "--rounds", "1", "--no-fio", "--peer", "rocksdb", "--engine", PerfRun.engine());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("rocksdb iterator"), r.out());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("scan", json.path("benchmark").asText());
        assertEquals(600, json.path("keys").asInt());
        assertTrue(json.path("pages_per_s").asDouble() > 0, json.toString());
        assertTrue(json.path("fio_mib_per_s").isNull(), "no fio: " + json);
        JsonNode rocks = json.path("rocksdb");
        assertTrue(rocks.path("use_direct_reads").asBoolean(), rocks.toString());
        assertTrue(rocks.path("mib_per_s").asDouble() > 0, rocks.toString());
        double ratio = json.path("ratio_vs_rocksdb").asDouble();
        assertEquals(json.path("mib_per_s").asDouble() / rocks.path("mib_per_s").asDouble(), ratio, 0.01 * ratio);
    }

    @Test
    void getpageRunsBesideRocksDb() throws Exception {
        PerfRun r = PerfRun.of("getpage", "--dir", dir.toString(), "--keys", "300", "--layers", "3", "--qd", "1,4",
                "--seconds", "1", "--warmup", "0", "--jit-warmup", "0", "--cached-keys", "0", "--no-fio",
                "--peer", "rocksdb", "--engine", PerfRun.engine());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("rocksdb: loading"), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertTrue(json.path("rocksdb").path("block_cache_bytes").asLong() > 0, json.toString());
        for (JsonNode row : json.path("uncached")) {
            assertTrue(row.path("rocksdb_gets_per_s").asDouble() > 0, row.toString());
            assertTrue(row.path("ratio_vs_rocksdb").isNumber(), row.toString());
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        PerfRun r = PerfRun.of("scan", "--dir", dir.toString(), "--batch-keys", "0", "--no-fio");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--batch-keys"), r.err());
    }
}
