package io.strata.engine.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.read.Page;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.io.file.IoEngineKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Engines over temporary directories, and checks of a timeline against a {@link Workload}. */
public final class TimelineTestSupport {
    public static final Duration T = Duration.ofSeconds(60);
    public static final TenantId TENANT = TenantId.parse("5e7a1a5e7a1a5e7a1a5e7a1a5e7a1a00");
    public static final TimelineId TIMELINE = TimelineId.parse("71e11e0071e11e0071e11e0071e11e00");

    private TimelineTestSupport() {
    }

    /**
     * Small buffers, a small checkpoint distance, no background compaction (tests compact by hand, so layer sets do
     * not change under them); the io engine from {@code strata.io.engine} (auto by default).
     */
    public static EngineConfig config(long checkpointDistance) {
        return EngineConfig.defaults()
                .withCompaction(io.strata.engine.compaction.CompactionConfig.defaults().withEnabled(false))
                .withWriteBuffers(64 * 1024, 16)
                .withBlockCacheBlocks(256)
                .withTimeline(TimelineConfig.defaults().withCheckpointDistance(checkpointDistance)
                        .withCheckpointTimeout(Duration.ofHours(1)));
    }

    public static EngineConfig config(long checkpointDistance, IoEngineKind kind) {
        EngineConfig c = config(checkpointDistance);
        return c.withIo(c.io().withEngine(kind));
    }

    public static StrataEngine open(Path dir, EngineConfig config) {
        return StrataEngine.open(dir, config).block(T);
    }

    /** Reads every page that exists at {@code lsn} and compares it with the workload's. */
    public static void assertPagesAt(Timeline t, Workload w, Lsn lsn) {
        TreeMap<Key, byte[]> expected = w.pagesAt(lsn);
        if (expected.isEmpty()) {
            return;
        }
        List<Page> pages = t.getVectored(Workload.keySpace(expected.keySet()), lsn).collectList().block(T);
        assertEquals(expected.size(), pages.size(), "pages at " + lsn);
        for (Page p : pages) {
            byte[] want = expected.get(p.key());
            if (!java.util.Arrays.equals(want, p.bytes())) {
                assertArrayEquals(want, p.bytes(), "page " + p.key() + " at " + lsn + ": expected "
                        + new String(want, StandardCharsets.UTF_8) + " got "
                        + new String(p.bytes(), StandardCharsets.UTF_8));
            }
        }
    }

    /** File names in {@code dir}, sorted. */
    public static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The files a timeline directory must hold exactly: the index and its layers. */
    /**
     * Waits (up to {@link #T}) until the timeline directory holds exactly the index and its layers, then asserts it:
     * files a change removed are deleted once no read (nor the change's own read guard) holds them, asynchronously.
     */
    public static void assertFilesSettle(Timeline t) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (!expectedFiles(t.indexPart()).equals(files(t.directory())) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(expectedFiles(t.indexPart()), files(t.directory()), "the directory holds the index's files");
    }

    public static List<String> expectedFiles(IndexPart index) {
        TreeMap<String, Boolean> names = new TreeMap<>();
        names.put(IndexPart.FILE_NAME, true);
        for (Map.Entry<io.strata.engine.layer.LayerName, IndexPart.LayerFileMetadata> e
                : index.layerMetadata().entrySet()) {
            names.put(e.getKey().localFileName(e.getValue().generation()), true);
        }
        return List.copyOf(names.keySet());
    }
}
