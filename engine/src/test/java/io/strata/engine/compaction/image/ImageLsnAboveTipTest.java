package io.strata.engine.compaction.image;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.strata.engine.compaction.legacy.LegacyCompaction;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.GcConfig;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * A branch made at a leased LSN below its parent's applied GC cutoff starts with that cutoff above its last record
 * LSN. Image layers must not be made there: an image at a future LSN would hide records ingested below it later (a
 * key first written between the tip and the cutoff went missing at every LSN above). Found by the model checker
 * (strata-perf soak --seed 17, step 310).
 */
class ImageLsnAboveTipTest {
    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 97, 300);

    @Test
    void noImageAboveTheLastRecordOfABranchWhoseCutoffIsAboveIt() {
        EngineConfig c = config(32 * 1024);
        StrataEngine engine = open(dir, c.withTimeline(c.timeline().withGc(new GcConfig(0, Duration.ZERO,
                Duration.ZERO))));
        try {
            Tenant tenant = engine.createTenant(TENANT).block(T);
            Timeline parent = tenant.createTimeline(TIMELINE, w.start).block(T);
            parent.ingest(Flux.fromIterable(w.batches(1, 300, 16))).block(T);
            parent.freezeAndFlush().block(T);
            Lsn leased = w.lsn(100);
            parent.leaseLsn(leased, Duration.ofHours(1), true);
            tenant.gcIteration(Optional.of(TIMELINE), parent.lastRecordLsn().value() - w.lsn(250).value(),
                    Duration.ZERO).block(T);
            assertEquals(w.lsn(250), parent.appliedGcCutoffLsn());
            Timeline child = tenant.branchTimeline(TIMELINE, TimelineId.parse("c0000000000000000000000000000003"),
                    Optional.of(leased)).block(T);
            assertEquals(w.lsn(250), child.appliedGcCutoffLsn(), "the parent's cutoff, above the branch point");

            Key a = new Key(0, 1663, 5, 16385, 0, 0);
            Key b = new Key(0, 1663, 5, 16385, 0, 1);
            ingest(child, new IngestRecord(a, leased.add(4), new Value.Image("a".getBytes())));
            ImageLayerCreation ilc = new ImageLayerCreation(child, ImageLayerCreationConfig.defaults()
                    .withCompactionTargetSize(16 * 8192L));
            Lsn partitionLsn = ilc.partitionLsn();
            assertFalse(partitionLsn.isAfter(child.lastRecordLsn().add(1)), partitionLsn + " is above the tip "
                    + child.lastRecordLsn());
            LegacyCompaction.createImageLayers(ilc, ImageLayerCreationMode.FORCE, false).block(T);

            // a key first written between the tip and the cutoff, then records above the cutoff
            ingest(child, new IngestRecord(b, leased.add(8), new Value.Image("b".getBytes())));
            ingest(child, new IngestRecord(a, w.lsn(260), new Value.Image("a2".getBytes())));
            assertArrayEquals("b".getBytes(), child.get(b, w.lsn(260)).block(T));
            assertArrayEquals("a2".getBytes(), child.get(a, w.lsn(260)).block(T));
        } finally {
            engine.close().block(T);
        }
    }

    private static void ingest(Timeline t, IngestRecord r) {
        t.ingest(Flux.just(List.of(r))).block(T);
        t.freezeAndFlush().block(T);
    }
}
