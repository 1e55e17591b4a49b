package io.strata.engine.compaction.gc;

import static io.strata.engine.compaction.gc.GcTestSupport.append;
import static io.strata.engine.compaction.gc.GcTestSupport.compact;
import static io.strata.engine.compaction.gc.GcTestSupport.e;
import static io.strata.engine.compaction.gc.GcTestSupport.key;
import static io.strata.engine.compaction.gc.GcTestSupport.layers;
import static io.strata.engine.compaction.gc.GcTestSupport.read;
import static io.strata.engine.compaction.gc.GcTestSupport.setGc;
import static io.strata.engine.compaction.gc.GcTestSupport.withTenant;
import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.timeline.GcCutoffs;
import io.strata.engine.timeline.GcInfo;
import io.strata.engine.timeline.GcResult;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gc-compaction jobs over an LSN range that Strata refuses or skips, with nothing changed, where completing them would
 * lose or could not rebuild history. Found by the concurrent-readers model check (seed 21).
 */
class GcCompactionRefusalTest {
    private static final String DENSE = "000000000033333333444444445500000000";

    @TempDir
    Path dir;

    /**
     * A job above an LSN (data below it) selects the image layer at its lowest LSN and writes those images into its
     * delta layers. When one of its delta layers has the name of an existing one, Neon keeps the existing layer and
     * removes the image layer: the images were only in the discarded layer, and the page at the branch point at
     * 0x10 was gone (step 1859: a child's gc-compaction then failed with "no base image").
     */
    @Test
    void aSameNamedDeltaIsNotKeptWhenALayerWhoseValuesOnlyItsReplacementHeldIsRemoved() throws Exception {
        withTenant(dir, tenant -> {
            Key k0 = key(DENSE, 0);
            Key k1 = key(DENSE, 1);
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .image(Lsn.of(0x10), Map.of(k0, "a".getBytes(), k1, "b".getBytes()))
                    .delta(new KeyRange(k0, key(DENSE, 2)), Lsn.of(0x10), Lsn.of(0x48), List.of(
                            e(k0, 0x20, append("@20")), e(k0, 0x30, append("@30")), e(k0, 0x40, append("@40"))))
                    .endLsn(Lsn.of(0x48))
                    .build().block(T);
            // a branch at 0x10 keeps that LSN readable
            setGc(t, 0x40, List.of(0x10L), TIMELINE);
            List<LayerName> before = layers(t);

            GcCompactionException e = assertThrows(GcCompactionException.class, () -> compact(t,
                    CompactOptions.defaultForGcCompactionUnitTests()
                            .withLsnRange(new CompactLsnRange(Lsn.of(0x20), Lsn.of(0x40)))));
            assertTrue(e.getMessage().contains("compaction result not applied"), e.getMessage());
            assertTrue(e.getMessage().contains("has the name of an existing layer"), e.getMessage());
            assertEquals(before, layers(t));
            assertEquals("a", read(t, k0, 0x10));
            assertEquals("b", read(t, k1, 0x10));
            assertEquals("a@20@30@40", read(t, k0, 0x47));
            assertEquals("b", read(t, k1, 0x47));
        });
    }

    /**
     * Legacy GC removes the image layer at 0x10 (the image at 0x40 covers it); the delta layer spanning k2 stays,
     * holding k0's record at 0x38 whose base is gone. A job whose horizon (an explicit LSN range end, 0x20) is below
     * GC's cutoff would merge that cut history (Neon fails with "invalid history, no base image", and a base read
     * below the cutoff could make a wrong image): skipped up front, nothing changed (steps 1059 and 2168).
     */
    @Test
    void aJobWhoseHorizonIsBelowWhereLegacyGcRemovedLayersIsRefused() throws Exception {
        withTenant(dir, tenant -> {
            Key k0 = key(DENSE, 0);
            Key k1 = key(DENSE, 1);
            Key k2 = key(DENSE, 2);
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .image(Lsn.of(0x10), Map.of(k0, "a".getBytes(), k1, "b".getBytes()))
                    .delta(new KeyRange(k0, key(DENSE, 3)), Lsn.of(0x18), Lsn.of(0x40), List.of(
                            e(k0, 0x38, append("@38")), e(k2, 0x20, GcTestSupport.img("c"))))
                    .image(Lsn.of(0x40), Map.of(k0, "a@38".getBytes(), k1, "b".getBytes()))
                    .delta(new KeyRange(k0, key(DENSE, 3)), Lsn.of(0x41), Lsn.of(0x58), List.of(
                            e(k1, 0x50, append("@50"))))
                    .endLsn(Lsn.of(0x60))
                    .build().block(T);
            assertEquals(Lsn.INVALID, t.gcRemovedHistoryBelow());
            t.updateGcInfo(i -> new GcInfo(List.of(), new GcCutoffs(Lsn.of(0x50), Optional.of(Lsn.of(0x50))),
                    new TreeMap<>(), false));
            GcResult gc = t.gc().block(T);
            assertEquals(1, gc.removed().size(), gc.toJson());
            assertEquals(gc.newCutoff(), t.gcRemovedHistoryBelow());
            List<LayerName> before = layers(t);

            GcCompactionResult skipped = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                    .withLsnRange(new CompactLsnRange(Lsn.INVALID, Lsn.of(0x20))));
            assertEquals(CompactionOutcome.SKIPPED, skipped.outcome(), skipped.toString());
            assertEquals(before, layers(t));
            // the whole range, from the watermark, is fine
            GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests());
            assertEquals(CompactionOutcome.DONE, r.outcome(), r.toString());
            assertEquals("a@38", read(t, k0, 0x50));
            assertEquals("b@50", read(t, k1, 0x50));
            assertEquals("c", read(t, k2, 0x50));
        });
    }

    /**
     * A job below a forced cutoff (as Neon's tests set it, no layer removed) runs: Neon's LSN-range tests compact
     * below the applied cutoff.
     */
    @Test
    void aForcedCutoffDoesNotRefuseJobsBelowIt() throws Exception {
        withTenant(dir, tenant -> {
            Key k0 = key(DENSE, 0);
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .image(Lsn.of(0x10), Map.of(k0, "a".getBytes()))
                    .delta(new KeyRange(k0, key(DENSE, 1)), Lsn.of(0x18), Lsn.of(0x30), List.of(
                            e(k0, 0x20, append("@20")), e(k0, 0x28, append("@28"))))
                    .delta(new KeyRange(k0, key(DENSE, 1)), Lsn.of(0x30), Lsn.of(0x40), List.of(
                            e(k0, 0x38, append("@38"))))
                    .endLsn(Lsn.of(0x40))
                    .build().block(T);
            setGc(t, 0x40, List.of(), TIMELINE);
            GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                    .withLsnRange(new CompactLsnRange(Lsn.INVALID, Lsn.of(0x30))));
            assertEquals(CompactionOutcome.DONE, r.outcome(), r.toString());
            assertEquals("a@20@28@38", read(t, k0, 0x40));
        });
    }

}
