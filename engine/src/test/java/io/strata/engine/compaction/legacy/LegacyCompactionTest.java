package io.strata.engine.compaction.legacy;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertPagesAt;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Neon's legacy pass end to end: rounds of ingest, each followed by {@code compactLegacy} (L0 compaction, then TRY
 * image creation at the L0/L1 boundary); once enough L1 deltas stack over the key space, image layers appear, and
 * reads at every LSN stay exact throughout.
 */
class LegacyCompactionTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);
    private final AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 64, 4096);

    @Test
    void imagesAppearOnceDeltasStackAndReadsStayExact() {
        // a 16 KiB checkpoint distance: the partitioning is redone when the LSN moved 1.6 KiB (Neon's tenth), so
        // each round's pass looks at the new boundary
        StrataEngine engine = open(config(16 * 1024));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Timeline t = tenant.createTimeline(TIMELINE, w.start).block(T);
        // check for images every pass (the check threshold 0 checkpoint distances), 3 stacked deltas make one
        ImageLayerCreation images = new ImageLayerCreation(t, ImageLayerCreationConfig.defaults()
                .withImageLayerCreationCheckThreshold(0));
        Level0Compaction.Options l0 = Level0Compaction.Options.of(t.config()).withForce(true);
        int imagesSeen = 0;
        long last = 0;
        for (int round = 1; round <= 5; round++) {
            for (int chunk = 0; chunk < 3; chunk++) {
                t.ingest(Flux.fromIterable(w.batches(last + 1, last + 100, 16))).block(T);
                t.freezeAndFlush().block(T);
                last += 100;
            }
            CompactionOutcome o = LegacyCompaction.compactLegacy(t, l0, pool,
                    x -> LegacyCompaction.createImageLayers(images, ImageLayerCreationMode.TRY, true), true)
                    .block(T);
            assertEquals(CompactionOutcome.DONE, o);
            List<PersistentLayerDesc> historic = List.copyOf(t.layers().map().historicLayers());
            assertEquals(0, t.layers().map().level0Deltas().size(), "round " + round + ": " + historic);
            long imageLayers = historic.stream().filter(l -> !l.isDelta()).count();
            if (round < 3) {
                assertEquals(0, imageLayers, "round " + round + ": fewer than 3 stacked deltas, no image yet");
            }
            imagesSeen = (int) Math.max(imagesSeen, imageLayers);
            for (long i = 1; i <= last; i += 37) {
                assertPagesAt(t, w, w.lsn(i));
            }
            assertPagesAt(t, w, w.lsn(last));
        }
        assertTrue(imagesSeen > 0, "stacked deltas led to image layers");
        engine.close().block(T);
    }

    private StrataEngine open(io.strata.engine.tenant.EngineConfig c) {
        return io.strata.engine.timeline.TimelineTestSupport.open(dir, c);
    }
}
