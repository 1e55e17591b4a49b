package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.layer.delta.DeltaEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real, tiny layer-write run without fio: the report's last line is the JSON, and each layer it names exists
 * under the planned name and opens with Strata's readers, holding the planned keys and LSNs. Nothing timed.
 */
class LayerWriteSmokeTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void writesEachKindAndValueSizeAsAValidLayerAndReportsJson() throws Exception {
        PerfRun r = PerfRun.of("layer-write", "--dir", dir.toString(), "--size", "256k", "--value-sizes", "100,8k",
                "--kinds", "image,delta", "--no-fio", "--engine", PerfRun.engine());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("payload MiB/s"), r.out());
        assertTrue(r.err().contains("image 8k: writing 32 values"), r.err());

        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("layer-write", json.path("benchmark").asText());
        assertTrue(json.path("fio").isNull());
        assertEquals(256 * 1024, json.path("size_bytes").asLong());
        JsonNode results = json.path("results");
        assertEquals(4, results.size());
        String[][] expected = {{"image", "100"}, {"image", "8192"}, {"delta", "100"}, {"delta", "8192"}};
        IoEngine engine = IoEngines.create(IoConfig.defaults());
        try {
            BlockCache cache = new BlockCache(64, new AlignedBufferPool(8192, 80, 4096));
            for (int i = 0; i < 4; i++) {
                JsonNode row = results.get(i);
                assertEquals(expected[i][0], row.path("kind").asText());
                int valueSize = Integer.parseInt(expected[i][1]);
                assertEquals(valueSize, row.path("value_bytes").asInt());
                long values = 256 * 1024 / valueSize;
                JsonNode strata = row.path("strata");
                assertEquals(values, strata.path("values").asLong(), row.toString());
                assertEquals(values * valueSize, strata.path("payload_bytes").asLong());
                assertTrue(strata.path("payload_mib_per_s").asDouble() > 0, row.toString());
                assertTrue(strata.path("values_per_s").asDouble() > 0, row.toString());
                assertTrue(row.path("fio").isNull());

                Path layer = Path.of(row.path("layer").asText());
                assertTrue(Files.isRegularFile(layer), layer + " exists");
                assertEquals(Files.size(layer), strata.path("file_bytes").asLong());
                assertTrue(strata.path("file_bytes").asLong() > values * valueSize);
                LayerKind kind = LayerKind.parse(expected[i][0]);
                LayerPlan plan = LayerPlan.of(kind, valueSize, 256 * 1024, 4, ImageCompressionAlgorithm.DISABLED,
                        dir);
                assertEquals(plan.path(), layer);
                if (kind == LayerKind.IMAGE) {
                    ImageLayerReader reader = ImageLayerReader.open(engine, cache, layer, null).block(T);
                    try {
                        assertEquals(plan.name(), reader.summary().layerName());
                        List<Key> keys = reader.loadKeys().collectList().block(T);
                        assertEquals(values, keys.size());
                        for (int k = 0; k < keys.size(); k++) {
                            assertEquals(LayerPlan.key(k), keys.get(k));
                        }
                    } finally {
                        reader.close().block(T);
                    }
                } else {
                    DeltaLayerReader reader = DeltaLayerReader.open(engine, cache, layer, null).block(T);
                    try {
                        assertEquals(plan.name(), reader.summary().layerName());
                        List<DeltaEntry> entries = reader.loadKeys().collectList().block(T);
                        assertEquals(values, entries.size());
                        for (int k = 0; k < entries.size(); k++) {
                            DeltaEntry e = entries.get(k);
                            assertEquals(LayerPlan.key(k / 4), e.key(), "key of entry " + k);
                            assertEquals(LayerPlan.deltaLsn(k), e.lsn(), "lsn of entry " + k);
                            assertFalse(e.blobRef().willInit());
                            assertTrue(e.size() > valueSize, "the blob holds the record and its encoding");
                        }
                    } finally {
                        reader.close().block(T);
                    }
                }
            }
        } finally {
            engine.close();
        }
        assertFalse(Files.exists(dir.resolve("fio.tmp")));
        try (var s = Files.walk(dir)) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith("___temp")).toList(), "no temporary files");
        }

        // a second run replaces the layers rather than failing on them
        PerfRun again = PerfRun.of("layer-write", "--dir", dir.toString(), "--size", "256k", "--value-sizes", "8k",
                "--kinds", "image", "--no-fio", "--engine", PerfRun.engine());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("of an earlier run"), again.err());
    }

    @Test
    void badArgumentsExitWithUsageErrorAndSayWhy() {
        PerfRun kind = PerfRun.of("layer-write", "--dir", dir.toString(), "--kinds", "image,btree");
        assertEquals(2, kind.code());
        assertTrue(kind.err().contains("unknown layer kind 'btree'"), kind.err());

        PerfRun small = PerfRun.of("layer-write", "--dir", dir.toString(), "--size", "4k", "--value-sizes", "8k");
        assertEquals(2, small.code());
        assertTrue(small.err().contains("smaller than one value of 8k"), small.err());

        PerfRun comp = PerfRun.of("layer-write", "--dir", dir.toString(), "--compression", "lz4");
        assertEquals(2, comp.code());
        assertTrue(comp.err().contains("invalid --compression 'lz4'"), comp.err());

        PerfRun missing = PerfRun.of("layer-write");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--dir"), missing.err());
    }
}
