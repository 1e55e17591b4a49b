package io.strata.engine.compaction.gc;

import static io.strata.engine.compaction.gc.GcTestSupport.append;
import static io.strata.engine.compaction.gc.GcTestSupport.compact;
import static io.strata.engine.compaction.gc.GcTestSupport.e;
import static io.strata.engine.compaction.gc.GcTestSupport.img;
import static io.strata.engine.compaction.gc.GcTestSupport.key;
import static io.strata.engine.compaction.gc.GcTestSupport.layers;
import static io.strata.engine.compaction.gc.GcTestSupport.read;
import static io.strata.engine.compaction.gc.GcTestSupport.setGc;
import static io.strata.engine.compaction.gc.GcTestSupport.withTenant;
import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.timeline.LayerMapChecks;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose {@code compact_lsn_range.end} lies in a gap legacy GC left (the layers holding it are gone, below the
 * applied cutoff): the horizon is above every selected layer, and the image the retention makes there must still fall
 * inside the output delta layers' LSN range. Found by the model checker (soak seed 15: the job failed with "LSN ... is
 * outside the LSN range").
 */
class GcCompactionHorizonTest {
    private static final String DENSE = "000000000033333333444444445500000000";

    @TempDir
    Path dir;

    @Test
    void aHorizonInAGapLeftByGcMovesDownToTheLastLsnOfTheSelectedLayers() throws Exception {
        withTenant(dir, tenant -> {
            Key k0 = key(DENSE, 0);
            Key k1 = key(DENSE, 1);
            // history: an image at 0x10, five appends of k0 up to 0x40 in [0x18, 0x30) and [0x30, 0x48); the layers
            // of [0x48, 0x60) are gone (legacy GC), an image at 0x60 holds the newer pages. (The deltas start above
            // the image: a job that has data below folds an image at its lowest LSN into its deltas, and a single
            // delta of the same range would collide with its own output, which GcCompactionRefusalTest covers.)
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .image(Lsn.of(0x10), Map.of(k0, "a".getBytes(), k1, "b".getBytes()))
                    .delta(new KeyRange(k0, key(DENSE, 2)), Lsn.of(0x18), Lsn.of(0x30), List.of(
                            e(k0, 0x20, append("@20")), e(k0, 0x28, append("@28"))))
                    .delta(new KeyRange(k0, key(DENSE, 2)), Lsn.of(0x30), Lsn.of(0x48), List.of(
                            e(k0, 0x30, append("@30")), e(k0, 0x38, append("@38")), e(k0, 0x40, append("@40"))))
                    .image(Lsn.of(0x60), Map.of(k0, "A".getBytes(), k1, "B".getBytes()))
                    .endLsn(Lsn.of(0x70))
                    .build().block(T);
            setGc(t, 0x68, List.of(), TIMELINE);
            assertEquals("a@20@28@30@38@40", read(t, k0, 0x47));

            // the horizon 0x50 is above max_layer_lsn 0x48
            GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                    .withLsnRange(new CompactLsnRange(Lsn.of(0x20), Lsn.of(0x50))));
            assertEquals(CompactionOutcome.DONE, r.outcome(), r.toString());
            List<LayerName> after = layers(t);
            assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(after), after.toString());
            assertTrue(after.stream().allMatch(l -> l.lsnEnd().compareTo(Lsn.of(0x48)) <= 0
                    || l.lsnStart().equals(Lsn.of(0x60))), after.toString());
            assertTrue(!r.removed().isEmpty(), "the job ran: " + r);
            // reads at and above the applied cutoff are what they were
            assertEquals("A", read(t, k0, 0x68));
            assertEquals("B", read(t, k1, 0x70));
        });
    }

    /**
     * A key range job whose horizon is above its selected layers while a layer of other keys reaches it (so
     * max_layer_lsn does not move the horizon down): with data below (an LSN range start) the image at the horizon
     * goes into the delta layers, and must be inside their range (ConcurrentReadersTest seed 21, step 3637: "LSN
     * ... is outside the LSN range").
     */
    @Test
    void aHorizonAboveTheSelectedLayersMovesDownEvenWhenOtherKeysReachIt() throws Exception {
        withTenant(dir, tenant -> {
            Key k0 = key(DENSE, 0);
            Key k1 = key(DENSE, 1);
            Key k5 = key(DENSE, 5);
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .image(Lsn.of(0x10), Map.of(k1, "b".getBytes(), k5, "f".getBytes()))
                    .delta(new KeyRange(k0, key(DENSE, 2)), Lsn.of(0x18), Lsn.of(0x48), List.of(
                            e(k0, 0x20, GcTestSupport.init("x")), e(k0, 0x30, append("@30"))))
                    .delta(new KeyRange(key(DENSE, 4), key(DENSE, 6)), Lsn.of(0x48), Lsn.of(0x58), List.of(
                            e(k5, 0x50, append("@50"))))
                    .endLsn(Lsn.of(0x58))
                    .build().block(T);
            setGc(t, 0x50, List.of(), TIMELINE);
            GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                    .withKeyRange(new CompactKeyRange(k0, key(DENSE, 2)))
                    .withLsnRange(new CompactLsnRange(Lsn.of(0x20), Lsn.MAX)));
            assertEquals(CompactionOutcome.DONE, r.outcome(), r.toString());
            List<LayerName> after = layers(t);
            assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(after), after.toString());
            assertEquals("x@30", read(t, k0, 0x50));
            assertEquals("x@30", read(t, k0, 0x47));
            assertEquals("b", read(t, k1, 0x50));
            assertEquals("f@50", read(t, k5, 0x50));
        });
    }
}
