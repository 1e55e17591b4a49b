package io.strata.examples.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.tenant.EngineConfig;
import io.strata.io.file.IoEngineKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {
    @TempDir
    Path dir;

    @Test
    void theSampleFileHoldsExactlyTheDefaults() throws Exception {
        Path sample = Path.of("strata.yaml"); // examples/strata.yaml: Maven runs tests in the module directory
        assertTrue(Files.exists(sample), "examples/strata.yaml");
        assertEquals(ServiceConfig.defaults().toYaml(), ServiceConfig.load(sample, Map.of()).toYaml());
        assertEquals(ServiceConfig.describeDefaults(), Files.readString(sample).lines().skip(2)
                .map(l -> l + "\n").reduce("", String::concat), "strata.yaml is serve --help's settings list");
    }

    @Test
    void fileThenFlagsMapOntoTheEngineSettings() throws Exception {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, """
                io_engine: filechannel
                checkpoint_distance: 1048576
                compaction_threshold: 4
                image_compression: zstd(3)
                gc_compaction_enabled: false
                lsn_lease_length_seconds: 5
                listen_port: 9000
                io_poll_micros: 150
                """);
        ServiceConfig c = ServiceConfig.load(f, Map.of("listen_port", "0", "block_cache_mib", "8"));
        assertEquals(0, c.listenPort);
        EngineConfig e = c.toEngineConfig();
        assertEquals(IoEngineKind.FILECHANNEL, e.io().engine());
        assertEquals(150, e.io().pollMicros());
        assertEquals(1 << 20, e.timeline().checkpointDistance());
        assertEquals(4, e.timeline().compactionThreshold());
        assertEquals(12, e.timeline().l0FlushDelayThreshold());
        assertEquals(Duration.ofSeconds(5), e.timeline().gc().lsnLeaseLength());
        assertEquals(8 * 128, e.blockCacheBlocks());
        assertEquals(ImageCompressionAlgorithm.parse("zstd(3)"), e.compaction().imageCreation().imageCompression());
        assertEquals(false, e.compaction().gcCompaction().gcCompactionEnabled());
    }

    @Test
    void badSettingsAreRefusedNamingTheKey() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "checkpoint_distanse: 5\n");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ServiceConfig.load(f, Map.of()));
        assertTrue(unknown.getMessage().contains("unknown setting 'checkpoint_distanse'"), unknown.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null,
                Map.of("compaction_algorithm", "leveled"))).getMessage().contains("compaction_algorithm"));
        assertEquals(io.strata.engine.compaction.CompactionAlgorithm.TIERED, ServiceConfig.load(null,
                Map.of("compaction_algorithm", "tiered")).defaultCompactionAlgorithm());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null,
                Map.of("image_compression", "lz4"))).getMessage().contains("image_compression"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null,
                Map.of("checkpoint_distance", "0"))).getMessage().contains("checkpointDistance"));
        assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null, Map.of("listen_port", "many")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null,
                Map.of("io_poll_micros", "-5")).toEngineConfig()).getMessage().contains("io_poll_micros -5"));
        Files.writeString(f, "- a list\n");
        assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(f, Map.of()));
    }
}
