package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.cache.BlockCache;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real, tiny layer-scan run without fio, and the layers it scans read back value by value.
 *
 * <p>Runs on the layer iterators ({@code ImageLayerReader.iterator}, {@code DeltaLayerReader.iterator}). Nothing
 * timed.
 */
class LayerScanSmokeTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void writesMissingLayersThenScansEachAndReportsJson() throws Exception {
        // small reads and batches so that each layer takes several planned reads
        PerfRun r = PerfRun.of("layer-scan", "--dir", dir.toString(), "--size", "256k", "--value-sizes", "100,8k",
                "--kinds", "image,delta", "--max-read", "64k", "--max-batch", "100", "--rounds", "2", "--no-fio",
                "--engine", PerfRun.engine());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("is missing: writing"), r.err());
        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("layer-scan", json.path("benchmark").asText());
        assertEquals(65536, json.path("max_read_bytes").asLong());
        assertEquals(100, json.path("max_batch").asInt());
        JsonNode results = json.path("results");
        assertEquals(4, results.size());
        for (JsonNode row : results) {
            int valueSize = row.path("value_bytes").asInt();
            JsonNode strata = row.path("strata");
            assertEquals(256 * 1024 / valueSize, strata.path("values").asLong(), row.toString());
            assertEquals(256 * 1024 / valueSize * valueSize, strata.path("payload_bytes").asLong());
            assertTrue(strata.path("file_mib_per_s").asDouble() > 0, row.toString());
            assertEquals(2, strata.path("file_mib_per_s_rounds").size(), row.toString());
            if (valueSize == 8192) {
                assertTrue(row.path("meets_target").isNull(), "no fio, no verdict: " + row);
            }
        }

        // the second run finds the layers
        PerfRun again = PerfRun.of("layer-scan", "--dir", dir.toString(), "--size", "256k", "--value-sizes", "8k",
                "--kinds", "delta", "--rounds", "1", "--no-fio", "--engine", PerfRun.engine());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("delta 8k: using "), again.err());
    }

    @Test
    void iteratorsGiveBackEveryValueWrittenInKeyLsnOrder() throws Exception {
        PerfRun w = PerfRun.of("layer-write", "--dir", dir.toString(), "--size", "256k", "--value-sizes", "100,8k",
                "--no-fio", "--engine", PerfRun.engine());
        assertEquals(0, w.code(), w.err());
        LayerBench.ValueSource source = new LayerBench.ValueSource(8192);
        byte[] random = new byte[LayerBench.ValueSource.RANDOM_BYTES + 8192];
        source.view().getBytes(0, random);
        IoEngine engine = IoEngines.create(IoConfig.defaults());
        try {
            BlockCache cache = new BlockCache(64, new AlignedBufferPool(8192, 80, 4096));
            AlignedBufferPool pool = new AlignedBufferPool(256 * 1024, 4, 4096).trackLeaks(true);
            IteratorOptions options = new IteratorOptions(64 * 1024, 100);
            for (LayerKind kind : LayerKind.values()) {
                for (int valueSize : new int[] {100, 8192}) {
                    LayerPlan plan = LayerPlan.of(kind, valueSize, 256 * 1024, 4, ImageCompressionAlgorithm.DISABLED,
                            dir);
                    List<LayerEntry> entries;
                    if (kind == LayerKind.IMAGE) {
                        ImageLayerReader reader = ImageLayerReader.open(engine, cache, plan.path(), null).block(T);
                        try {
                            entries = reader.iterator(pool, options).collectList().block(T);
                        } finally {
                            reader.close().block(T);
                        }
                    } else {
                        DeltaLayerReader reader = DeltaLayerReader.open(engine, cache, plan.path(), null).block(T);
                        try {
                            entries = reader.iterator(pool, options).collectList().block(T);
                        } finally {
                            reader.close().block(T);
                        }
                    }
                    assertEquals(plan.values(), entries.size(), plan.label());
                    Value[] records = kind == LayerKind.DELTA ? source.records(valueSize) : null;
                    for (int i = 0; i < entries.size(); i++) {
                        LayerEntry e = entries.get(i);
                        String at = plan.label() + " value " + i;
                        assertEquals(plan.keyOfValue(i), e.key(), at);
                        if (kind == LayerKind.IMAGE) {
                            assertEquals(LayerPlan.IMAGE_LSN, e.lsn(), at);
                            int off = LayerBench.ValueSource.offset(i, valueSize);
                            assertArrayEquals(Arrays.copyOfRange(random, off, off + valueSize),
                                    ((Value.Image) e.value()).bytes(), at);
                        } else {
                            assertEquals(LayerPlan.deltaLsn(i), e.lsn(), at);
                            assertEquals(records[i % records.length], e.value(), at);
                            assertTrue(((Value.WalRecord) e.value()).record() instanceof NeonWalRecord.Postgres p
                                    && !p.willInit(), at);
                        }
                    }
                    awaitAllReturned(pool);
                }
            }
        } finally {
            engine.close();
        }
    }

    /** Buffers of reads still completing come back asynchronously: waits up to 10 s, then checks. */
    private static void awaitAllReturned(AlignedBufferPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (pool.available() < pool.capacity() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        pool.assertNoLeaks();
    }
}
