package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real, tiny runs of the compaction benchmarks: each compacts what it ingested, prints its JSON line with the
 * compaction's own statistics, and leaves nothing behind. Nothing timed.
 */
class CompactionSmokeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode stats(JsonNode json) throws Exception {
        return JSON.readTree(json.path("stats").asText());
    }

    @Test
    void l0CompactionMergesEveryL0AndReportsItsStatistics() throws Exception {
        PerfRun r = PerfRun.of("compact-l0", "--dir", dir.toString(), "--size", "16m", "--layers", "4",
                "--keys", "4096", "--warmup", "0", "--no-fio");
        assertEquals(0, r.code(), r.err());
        JsonNode json = JSON.readTree(r.lastLine());
        assertEquals("compact-l0", json.path("benchmark").asText());
        assertEquals(4, json.path("l0_layers").asInt(), json.toString());
        assertTrue(json.path("l1_layers").asInt() >= 1, json.toString());
        // the same values go out as came in: only the files' index and padding differ
        long in = json.path("input_bytes").asLong();
        long out = json.path("output_bytes").asLong();
        assertTrue(Math.abs(in - out) < in / 10, json.toString());
        assertTrue(json.path("input_mib_per_sec").asDouble() > 0, json.toString());
        JsonNode stats = stats(json);
        assertEquals(4, stats.path("level0_deltas_count").asInt());
        assertTrue(stats.has("write_waited_for_plan_micros"), stats.toString());
        // phases are times since the pass started: the holes come before the plan, the plan before the end
        long holes = stats.path("read_lock_held_key_sort_micros").asLong();
        long plan = stats.path("read_lock_held_compute_holes_micros").asLong();
        long write = stats.path("write_layer_files_micros").asLong();
        assertTrue(holes <= plan && plan <= write, stats.toString());
        assertFalse(json.has("fio_seq_read_mib_per_sec"), "no fio asked for");
        assertFalse(Files.exists(dir.resolve("compact-l0")), "the data directory is removed");
    }

    @Test
    void l0CompactionBesideFioReportsTheDevicesLimitsAndItsOwnShape() throws Exception {
        assumeTrue(FioRunner.locate().isPresent(), "fio is not installed");
        PerfRun r = PerfRun.of("compact-l0", "--dir", dir.toString(), "--size", "8m", "--layers", "2",
                "--keys", "2048", "--warmup", "0");
        assertEquals(0, r.code(), r.err());
        JsonNode json = JSON.readTree(r.lastLine());
        for (String f : new String[] {"fio_seq_read_mib_per_sec", "fio_seq_write_mib_per_sec",
                "fio_copy_read_mib_per_sec", "fio_l0_shape_read_mib_per_sec", "fio_l0_shape_write_mib_per_sec"}) {
            assertTrue(json.path(f).asDouble() > 0, f + " in " + json);
        }
        double ratio = json.path("ratio_to_fio_l0_shape_read").asDouble();
        assertEquals(json.path("input_mib_per_sec").asDouble() / json.path("fio_l0_shape_read_mib_per_sec")
                .asDouble(), ratio, 1e-9);
        assertTrue(r.err().contains("the L0 compaction's shape for 5 s: 256 KiB reads, 4 in flight"), r.err());
    }

    @Test
    void gcCompactionAndImageCreationReportTheirRuns() throws Exception {
        PerfRun gc = PerfRun.of("compact-gc", "--dir", dir.toString(), "--size", "16m", "--keys", "1024",
                "--target", "4m", "--warmup", "0", "--no-fio");
        assertEquals(0, gc.code(), gc.err());
        JsonNode g = JSON.readTree(gc.lastLine());
        assertEquals("compact-gc", g.path("benchmark").asText());
        assertTrue(g.path("input_mib_per_sec").asDouble() > 0, g.toString());

        PerfRun image = PerfRun.of("compact-image", "--dir", dir.toString(), "--size", "16m", "--keys", "1024",
                "--target", "4m", "--no-fio");
        assertEquals(0, image.code(), image.err());
        JsonNode i = JSON.readTree(image.lastLine());
        assertEquals("compact-image", i.path("benchmark").asText());
    }
}
