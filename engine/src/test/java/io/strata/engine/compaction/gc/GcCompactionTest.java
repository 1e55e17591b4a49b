package io.strata.engine.compaction.gc;

import static io.strata.engine.compaction.gc.GcTestSupport.append;
import static io.strata.engine.compaction.gc.GcTestSupport.compact;
import static io.strata.engine.compaction.gc.GcTestSupport.e;
import static io.strata.engine.compaction.gc.GcTestSupport.img;
import static io.strata.engine.compaction.gc.GcTestSupport.key;
import static io.strata.engine.compaction.gc.GcTestSupport.layers;
import static io.strata.engine.compaction.gc.GcTestSupport.read;
import static io.strata.engine.compaction.gc.GcTestSupport.setGc;
import static io.strata.engine.compaction.gc.GcTestSupport.tenValues;
import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.compaction.CompactionOutcome;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.LayerMapChecks;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Neon's bottom-most gc-compaction tests ({@code pageserver/src/tenant.rs}), with Neon's expected outcomes. */
class GcCompactionTest {
    /** Aux keys: guaranteed to be inside Neon's {@code collect_keyspace}. */
    private static final String AUX = "620000000033333333444444445500000000";
    private static final String DENSE = "000000000033333333444444445500000000";
    private static final TimelineId CHILD = TimelineId.parse("c41d00c41d00c41d00c41d00c41d0000");

    @TempDir
    Path dir;
    private StrataEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close().block(T);
        }
    }

    private Tenant tenant() {
        engine = open(dir, config(1 << 20));
        return engine.createTenant(TENANT).block(T);
    }

    private static Key k(int id) {
        return key(AUX, id);
    }

    // ------------------------------------------------------------------------------------------------ images

    @Test
    void testSimpleBottomMostCompactionImages() {
        List<LayerEntry> delta1 = List.of(e(k(1), 0x20, img("value 1@0x20")), e(k(2), 0x30, img("value 2@0x30")),
                e(k(3), 0x40, img("value 3@0x40")));
        List<LayerEntry> delta2 = List.of(e(k(5), 0x20, img("value 5@0x20")), e(k(6), 0x20, img("value 6@0x20")));
        List<LayerEntry> delta3 = List.of(e(k(8), 0x48, img("value 8@0x48")), e(k(9), 0x48, img("value 9@0x48")));
        Timeline t = TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x20), Lsn.of(0x48), delta1)
                .delta(Lsn.of(0x20), Lsn.of(0x48), delta2)
                .delta(Lsn.of(0x48), Lsn.of(0x50), delta3)
                .image(Lsn.of(0x10), tenValues(AUX, "0x10"))
                .endLsn(Lsn.of(0x50))
                .build().block(T);
        setGc(t, 0x30, List.of(), TIMELINE);
        String[] expected = {"value 0@0x10", "value 1@0x20", "value 2@0x30", "value 3@0x40", "value 4@0x10",
            "value 5@0x20", "value 6@0x20", "value 7@0x10", "value 8@0x48", "value 9@0x48"};
        for (int i = 0; i < 10; i++) {
            assertEquals(expected[i], read(t, k(i), 0x50));
        }

        GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        assertEquals(CompactionOutcome.DONE, r.outcome());
        for (int i = 0; i < 10; i++) {
            assertEquals(expected[i], read(t, k(i), 0x50));
        }
        // the image layer at the GC horizon holds exactly the pages at 0x30
        String[] atHorizon = {"value 0@0x10", "value 1@0x20", "value 2@0x30", "value 3@0x10", "value 4@0x10",
            "value 5@0x20", "value 6@0x20", "value 7@0x10", "value 8@0x10", "value 9@0x10"};
        for (int i = 0; i < 10; i++) {
            assertEquals(atHorizon[i], read(t, k(i), 0x30));
        }
        assertEquals(List.of(
                        new ImageLayerName(KeyRange.FULL, Lsn.of(0x30)),
                        new DeltaLayerName(new KeyRange(k(3), k(4)), Lsn.of(0x30), Lsn.of(0x48)),
                        new DeltaLayerName(new KeyRange(k(8), k(10)), Lsn.of(0x48), Lsn.of(0x50))),
                layers(t));
        // Neon's statistics: 3 layers read, 10 keys, 3+2 images visited (plus the 10 of the image layer)
        // Neon's statistics: delta3 starts above the horizon and is not read
        CompactionStatistics s = r.statistics().get(0);
        assertEquals(2, s.deltaLayerVisited().num());
        assertEquals(1, s.imageLayerVisited().num());
        assertEquals(10, s.numUniqueKeysVisited());
        assertEquals(15, s.imageKeysVisited().num());
        assertEquals(1, s.imageLayerProduced().num());
        // ten images at the horizon and value 3@0x40 (an image too), kept above it
        assertEquals(11, s.imageProduced().num());
        assertEquals(0, s.walProduced().num());
        assertTrue(s.toJson().startsWith("{\"delta_layer_visited\":{\"num\":2,"), s.toJson());
        // a full compaction records its horizon as the L2 LSN, durably
        assertEquals(Optional.of(new IndexPart.GcCompactionState(Lsn.of(0x30))), t.indexPart().gcCompaction());

        // increase the GC horizon and compact again
        setGc(t, 0x40, List.of(), TIMELINE);
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        for (int i = 0; i < 10; i++) {
            assertEquals(expected[i], read(t, k(i), 0x50));
        }
        assertEquals(Optional.of(new IndexPart.GcCompactionState(Lsn.of(0x40))), t.indexPart().gcCompaction());
    }

    // ------------------------------------------------------------------------------------------------ deltas

    @Test
    void testSimpleBottomMostCompactionDeltas1() {
        bottomMostCompactionDeltas(false);
    }

    @Test
    void testSimpleBottomMostCompactionDeltas2() {
        bottomMostCompactionDeltas(true);
    }

    /**
     * Neon's {@code test_simple_bottom_most_compaction_deltas_helper}: a bottom-most image layer (or, with
     * {@code deltaBottomLayer}, a delta layer of {@code wal_init} records below it), a delta layer D1 crossing the
     * GC horizon with data below and above it, D2 crossing it with data only below, D3 above it. Compaction at
     * 0x30 then at 0x40 keeps every page at the tip and at the horizon.
     */
    private void bottomMostCompactionDeltas(boolean deltaBottomLayer) {
        List<LayerEntry> delta1 = List.of(e(k(1), 0x20, append("@0x20")), e(k(2), 0x30, append("@0x30")),
                e(k(3), 0x28, append("@0x28")), e(k(3), 0x30, append("@0x30")), e(k(3), 0x40, append("@0x40")));
        List<LayerEntry> delta2 = List.of(e(k(5), 0x20, append("@0x20")), e(k(6), 0x20, append("@0x20")));
        List<LayerEntry> delta3 = List.of(e(k(8), 0x48, append("@0x48")), e(k(9), 0x48, append("@0x48")));
        TestTimelineBuilder b;
        if (deltaBottomLayer) {
            List<LayerEntry> delta4 = new ArrayList<>();
            for (int id = 0; id < 10; id++) {
                delta4.add(e(k(id), 0x08, GcTestSupport.init("value " + id + "@0x10")));
            }
            b = TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x08))
                    .delta(Lsn.of(0x08), Lsn.of(0x10), delta4)
                    .delta(Lsn.of(0x20), Lsn.of(0x48), delta1)
                    .delta(Lsn.of(0x20), Lsn.of(0x48), delta2)
                    .delta(Lsn.of(0x48), Lsn.of(0x50), delta3);
        } else {
            b = TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x10))
                    .delta(Lsn.of(0x10), Lsn.of(0x48), delta1)
                    .delta(Lsn.of(0x10), Lsn.of(0x48), delta2)
                    .delta(Lsn.of(0x48), Lsn.of(0x50), delta3)
                    .image(Lsn.of(0x10), tenValues(AUX, "0x10"));
        }
        Timeline t = b.endLsn(Lsn.of(0x50)).build().block(T);
        setGc(t, 0x30, List.of(), TIMELINE);
        String[] expected = {"value 0@0x10", "value 1@0x10@0x20", "value 2@0x10@0x30", "value 3@0x10@0x28@0x30@0x40",
            "value 4@0x10", "value 5@0x10@0x20", "value 6@0x10@0x20", "value 7@0x10", "value 8@0x10@0x48",
            "value 9@0x10@0x48"};
        String[] atHorizon = {"value 0@0x10", "value 1@0x10@0x20", "value 2@0x10@0x30", "value 3@0x10@0x28@0x30",
            "value 4@0x10", "value 5@0x10@0x20", "value 6@0x10@0x20", "value 7@0x10", "value 8@0x10",
            "value 9@0x10"};
        for (int i = 0; i < 10; i++) {
            assertEquals(expected[i], read(t, k(i), 0x50), "key " + i + " @0x50 before");
            assertEquals(atHorizon[i], read(t, k(i), 0x30), "key " + i + " @0x30 before");
        }
        assertEquals(CompactionOutcome.DONE, compact(t, CompactOptions.defaultForGcCompactionUnitTests()).outcome());
        for (int i = 0; i < 10; i++) {
            assertEquals(expected[i], read(t, k(i), 0x50), "key " + i + " @0x50 after");
            assertEquals(atHorizon[i], read(t, k(i), 0x30), "key " + i + " @0x30 after");
        }
        assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(layers(t)));

        // increase the GC horizon and compact again
        setGc(t, 0x40, List.of(), TIMELINE);
        assertEquals(CompactionOutcome.DONE, compact(t, CompactOptions.defaultForGcCompactionUnitTests()).outcome());
        for (int i = 0; i < 10; i++) {
            assertEquals(expected[i], read(t, k(i), 0x50), "key " + i + " @0x50 after the second compaction");
        }
        assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(layers(t)));
    }

    /**
     * Neon's {@code test_bottom_most_compation_redo_failure}: a record whose redo fails makes the whole compaction
     * fail (Neon issue 10395) without a critical error; here also: with the timeline's layers and pages unchanged.
     */
    @Test
    void testBottomMostCompactionRedoFailure() {
        List<LayerEntry> delta1 = List.of(e(k(1), 0x20, append("@0x20")), e(k(1), 0x24, append("@0x24")),
                e(k(1), 0x28, new io.strata.engine.value.Value.WalRecord(
                        io.strata.engine.value.NeonWalRecord.Test.walAppendConditional("@0x28", "???"))));
        Timeline t = TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x20), Lsn.of(0x30), delta1)
                .image(Lsn.of(0x10), tenValues(AUX, "0x10"))
                .endLsn(Lsn.of(0x50))
                .build().block(T);
        setGc(t, 0x30, List.of(), TIMELINE);
        List<LayerName> before = layers(t);
        CompactOptions o = CompactOptions.defaultForGcCompactionUnitTests();
        RuntimeException err = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> compact(t, o));
        assertTrue(err.toString().contains(k(1).toString()) || String.valueOf(err.getCause()).contains(
                k(1).toString()), "the error names the key: " + err);
        assertEquals(before, layers(t), "nothing swapped in or out");
        assertEquals("value 1@0x10@0x20@0x24", read(t, k(1), 0x24));
        assertEquals("value 2@0x10", read(t, k(2), 0x50));
    }

    // ------------------------------------------------------------------------------------------------ retain LSNs

    private Timeline retainLsnsTimeline(String keyHex) {
        List<LayerEntry> delta1 = List.of(e(key(keyHex, 1), 0x20, append("@0x20")),
                e(key(keyHex, 2), 0x30, append("@0x30")), e(key(keyHex, 3), 0x28, append("@0x28")),
                e(key(keyHex, 3), 0x30, append("@0x30")), e(key(keyHex, 3), 0x40, append("@0x40")));
        List<LayerEntry> delta2 = List.of(e(key(keyHex, 5), 0x20, append("@0x20")),
                e(key(keyHex, 6), 0x20, append("@0x20")));
        List<LayerEntry> delta3 = List.of(e(key(keyHex, 8), 0x48, append("@0x48")),
                e(key(keyHex, 9), 0x48, append("@0x48")));
        return TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x10), Lsn.of(0x48), delta1)
                .delta(Lsn.of(0x10), Lsn.of(0x48), delta2)
                .delta(Lsn.of(0x48), Lsn.of(0x50), delta3)
                .image(Lsn.of(0x10), tenValues(keyHex, "0x10"))
                .endLsn(Lsn.of(0x50))
                .build().block(T);
    }

    private static final String[] AT_50 = {"value 0@0x10", "value 1@0x10@0x20", "value 2@0x10@0x30",
        "value 3@0x10@0x28@0x30@0x40", "value 4@0x10", "value 5@0x10@0x20", "value 6@0x10@0x20", "value 7@0x10",
        "value 8@0x10@0x48", "value 9@0x10@0x48"};
    private static final String[] AT_HORIZON_30 = {"value 0@0x10", "value 1@0x10@0x20", "value 2@0x10@0x30",
        "value 3@0x10@0x28@0x30", "value 4@0x10", "value 5@0x10@0x20", "value 6@0x10@0x20", "value 7@0x10",
        "value 8@0x10", "value 9@0x10"};
    private static final String[] AT_20 = {"value 0@0x10", "value 1@0x10@0x20", "value 2@0x10", "value 3@0x10",
        "value 4@0x10", "value 5@0x10@0x20", "value 6@0x10@0x20", "value 7@0x10", "value 8@0x10", "value 9@0x10"};

    private static void verifyRetainLsns(Timeline t, String hex) {
        long horizon = t.gcInfo().cutoffs().time().orElseThrow().value();
        for (int i = 0; i < 10; i++) {
            assertEquals(AT_50[i], read(t, key(hex, i), 0x50), "key " + i + " @0x50");
            assertEquals(AT_HORIZON_30[i], read(t, key(hex, i), horizon), "key " + i + " @horizon");
            assertEquals(AT_20[i], read(t, key(hex, i), 0x20), "key " + i + " @0x20");
            assertEquals("value " + i + "@0x10", read(t, key(hex, i), 0x10), "key " + i + " @0x10");
        }
    }

    @Test
    void testSimpleBottomMostCompactionWithRetainLsns() {
        Timeline t = retainLsnsTimeline(AUX);
        setGc(t, 0x30, List.of(0x10L, 0x20L), TIMELINE);
        verifyRetainLsns(t, AUX);

        List<LayerName> before = layers(t);
        GcCompactionResult dry = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                .withFlag(CompactFlags.DRY_RUN));
        assertEquals(CompactionOutcome.DONE, dry.outcome());
        assertEquals(before, layers(t), "a dry run changes nothing");
        assertTrue(dry.added().isEmpty() && dry.removed().isEmpty());
        assertEquals(1, dry.statistics().size());
        assertEquals(10, dry.statistics().get(0).numUniqueKeysVisited());
        assertEquals(Optional.empty(), t.indexPart().gcCompaction());
        verifyRetainLsns(t, AUX);

        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verifyRetainLsns(t, AUX);
        // the image at the lowest retain LSN, the deltas up to the horizon, the delta above
        assertEquals(new ImageLayerName(KeyRange.FULL, Lsn.of(0x10)), layers(t).get(0));
        assertTrue(LayerMapChecks.checkValidLayerMap(layers(t)).isEmpty());

        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verifyRetainLsns(t, AUX);

        setGc(t, 0x38, List.of(0x10L, 0x20L), TIMELINE);
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verifyRetainLsns(t, AUX); // no WAL between 0x30 and 0x38: the same pages
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verifyRetainLsns(t, AUX);
    }

    @Test
    void leasesAreRetainLsnsToo() {
        Timeline t = retainLsnsTimeline(AUX);
        setGc(t, 0x30, List.of(0x10L), TIMELINE);
        GcTestSupport.lease(t, 0x20);
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verifyRetainLsns(t, AUX);
    }

    @Test
    void testSimpleBottomMostCompactionWithRetainLsnsSingleKey() {
        List<LayerEntry> delta1 = List.of(e(k(1), 0x20, append("@0x20")), e(k(1), 0x28, append("@0x28")));
        List<LayerEntry> delta2 = List.of(e(k(1), 0x30, append("@0x30")), e(k(1), 0x38, append("@0x38")));
        List<LayerEntry> delta3 = List.of(e(k(8), 0x48, append("@0x48")), e(k(9), 0x48, append("@0x48")));
        Timeline t = TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x10), Lsn.of(0x30), delta1)
                .delta(Lsn.of(0x30), Lsn.of(0x50), delta2)
                .delta(Lsn.of(0x10), Lsn.of(0x50), delta3)
                .image(Lsn.of(0x10), tenValues(AUX, "0x10"))
                .endLsn(Lsn.of(0x50))
                .build().block(T);
        setGc(t, 0x30, List.of(0x10L, 0x20L), TIMELINE);
        String[][] expected = {
            {"value 0@0x10", "value 1@0x10@0x20@0x28@0x30@0x38", "value 2@0x10", "value 3@0x10", "value 4@0x10",
                "value 5@0x10", "value 6@0x10", "value 7@0x10", "value 8@0x10@0x48", "value 9@0x10@0x48"},
            {"value 0@0x10", "value 1@0x10@0x20@0x28@0x30", "value 2@0x10", "value 3@0x10", "value 4@0x10",
                "value 5@0x10", "value 6@0x10", "value 7@0x10", "value 8@0x10", "value 9@0x10"},
            {"value 0@0x10", "value 1@0x10@0x20", "value 2@0x10", "value 3@0x10", "value 4@0x10", "value 5@0x10",
                "value 6@0x10", "value 7@0x10", "value 8@0x10", "value 9@0x10"}};
        Runnable verify = () -> {
            for (int i = 0; i < 10; i++) {
                assertEquals(expected[0][i], read(t, k(i), 0x50), "key " + i + " @0x50");
                assertEquals(expected[1][i], read(t, k(i), 0x30), "key " + i + " @horizon");
                assertEquals(expected[2][i], read(t, k(i), 0x20), "key " + i + " @0x20");
                assertEquals("value " + i + "@0x10", read(t, k(i), 0x10), "key " + i + " @0x10");
            }
        };
        verify.run();
        List<LayerName> before = layers(t);
        compact(t, CompactOptions.defaultForGcCompactionUnitTests().withFlag(CompactFlags.DRY_RUN));
        assertEquals(before, layers(t));
        verify.run();
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verify.run();
        assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(layers(t)));
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verify.run();
    }

    // ------------------------------------------------------------------------------------------------ branch

    @Test
    void testSimpleBottomMostCompactionOnBranch() {
        Tenant tenant = tenant();
        Timeline parent = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                .image(Lsn.of(0x18), tenValues(DENSE, "0x10"))
                .endLsn(Lsn.of(0x18))
                .build().block(T);
        List<LayerEntry> delta1 = List.of(e(key(DENSE, 1), 0x20, append("@0x20")),
                e(key(DENSE, 2), 0x30, append("@0x30")), e(key(DENSE, 3), 0x28, append("@0x28")),
                e(key(DENSE, 3), 0x30, append("@0x30")), e(key(DENSE, 3), 0x40, append("@0x40")));
        List<LayerEntry> delta2 = List.of(e(key(DENSE, 5), 0x20, append("@0x20")),
                e(key(DENSE, 6), 0x20, append("@0x20")));
        List<LayerEntry> delta3 = List.of(e(key(DENSE, 8), 0x48, append("@0x48")),
                e(key(DENSE, 9), 0x48, append("@0x48")));
        Timeline branch = TestTimelineBuilder.branch(tenant, TIMELINE, CHILD, Lsn.of(0x18))
                .delta(Lsn.of(0x20), Lsn.of(0x48), delta1)
                .delta(Lsn.of(0x20), Lsn.of(0x48), delta2)
                .delta(Lsn.of(0x48), Lsn.of(0x50), delta3)
                .endLsn(Lsn.of(0x50))
                .build().block(T);
        setGc(parent, 0x10, List.of(0x18L), CHILD);
        setGc(branch, 0x50, List.of(0x40L), CHILD);
        String[] at40 = {"value 0@0x10", "value 1@0x10@0x20", "value 2@0x10@0x30", "value 3@0x10@0x28@0x30@0x40",
            "value 4@0x10", "value 5@0x10@0x20", "value 6@0x10@0x20", "value 7@0x10", "value 8@0x10",
            "value 9@0x10"};
        Runnable verify = () -> {
            for (int i = 0; i < 10; i++) {
                assertEquals(AT_50[i], read(branch, key(DENSE, i), 0x50), "key " + i + " @0x50");
                assertEquals(at40[i], read(branch, key(DENSE, i), 0x40), "key " + i + " @0x40");
            }
        };
        verify.run();
        GcCompactionResult r = compact(branch, CompactOptions.defaultForGcCompactionUnitTests());
        verify.run();
        // on a branch, no image layer: everything goes into deltas from the branch point
        assertTrue(layers(branch).stream().allMatch(LayerName::isDelta), layers(branch).toString());
        assertTrue(layers(branch).stream().allMatch(l -> l.lsnStart().equals(Lsn.of(0x18))),
                layers(branch).toString());
        assertFalse(r.removed().isEmpty());
        // Neon's piggyback: above_lsn intersecting the layer files; min_layer_lsn is the branch point
        compact(branch, CompactOptions.defaultForGcCompactionUnitTests()
                .withLsnRange(CompactLsnRange.above(Lsn.of(0x40))));
        verify.run();
    }

    // ------------------------------------------------------------------------------------------------ partial

    @Test
    void testSimplePartialBottomMostCompaction() {
        Timeline t = retainLsnsTimeline(AUX);
        setGc(t, 0x30, List.of(0x10L, 0x20L), TIMELINE);
        // key ranges that cut through the delta layers: the parts outside are rewritten, nothing overlaps after
        int[][] ranges = {{0, 2}, {2, 4}, {4, 9}, {9, 10}};
        for (int[] rg : ranges) {
            GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                    .withKeyRange(new CompactKeyRange(k(rg[0]), k(rg[1]))));
            assertEquals(CompactionOutcome.DONE, r.outcome());
            verifyRetainLsns(t, AUX);
            assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(layers(t)), layers(t).toString());
            for (LayerName l : layers(t)) {
                if (l.isDelta() && l.lsnEnd().compareTo(Lsn.of(0x48)) <= 0) {
                    // every delta below the horizon lies within one compacted range or outside all so far
                    boolean inside = Stream.of(ranges).anyMatch(x -> new KeyRange(k(x[0]), k(x[1]))
                            .contains(l.keyRange()));
                    boolean untouched = l.lsnStart().equals(Lsn.of(0x10)) && l.lsnEnd().equals(Lsn.of(0x48));
                    assertTrue(inside || untouched, l + " in " + layers(t));
                }
            }
        }
        // a last full compaction over the partial results
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verifyRetainLsns(t, AUX);
    }

    // ------------------------------------------------------------------------------------------------ LSN bounds

    @Test
    void testSimpleBottomMostCompactionAboveLsn() {
        Timeline t = retainLsnsTimeline(AUX);
        setGc(t, 0x30, List.of(0x10L, 0x20L), TIMELINE);
        List<LayerName> before = layers(t);
        // min_layer_lsn is the start of the first layer ending above 0x40: the deltas from 0x10
        GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                .withLsnRange(CompactLsnRange.above(Lsn.of(0x40))));
        verifyRetainLsns(t, AUX);
        assertTrue(layers(t).stream().filter(LayerName::isDelta).allMatch(l -> !l.lsnStart().isBefore(Lsn.of(0x10))));
        // the image layer at 0x10 lies below min_layer_lsn... or at it: either way no image is generated
        assertTrue(layers(t).stream().filter(l -> !l.isDelta()).allMatch(before::contains), layers(t).toString());
        assertEquals(CompactionOutcome.DONE, r.outcome());
        // an upper bound above the watermark is clamped to it; the L2 LSN is not recorded for a partial LSN range
        compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                .withLsnRange(new CompactLsnRange(Lsn.of(0x20), Lsn.of(0x100))));
        verifyRetainLsns(t, AUX);
        assertEquals(Optional.empty(), t.indexPart().gcCompaction());
    }

    @Test
    void testSimpleBottomMostCompactionRectangle() {
        Timeline t = retainLsnsTimeline(AUX);
        setGc(t, 0x30, List.of(0x10L, 0x20L), TIMELINE);
        // key x LSN rectangles, then the whole
        compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                .withKeyRange(new CompactKeyRange(k(0), k(4)))
                .withLsnRange(CompactLsnRange.below(Lsn.of(0x28))));
        verifyRetainLsns(t, AUX);
        compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                .withKeyRange(new CompactKeyRange(k(4), k(10)))
                .withLsnRange(new CompactLsnRange(Lsn.of(0x20), Lsn.of(0x30))));
        verifyRetainLsns(t, AUX);
        compact(t, CompactOptions.defaultForGcCompactionUnitTests());
        verifyRetainLsns(t, AUX);
        assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(layers(t)));
    }

    @Test
    void noGcCutoffSkips() {
        Timeline t = retainLsnsTimeline(AUX);
        List<LayerName> before = layers(t);
        assertEquals(CompactionOutcome.SKIPPED, compact(t, CompactOptions.defaultForGcCompactionUnitTests())
                .outcome());
        assertEquals(before, layers(t));
        assertTrue(GcCompaction.gcCompactionSplitJobs(t, GcCompactJob.fromCompactOptions(
                CompactOptions.defaultForGcCompactionUnitTests()), OptionalLong.empty(),
                GcCompaction.defaultPartitioning(t.layers().map())).isEmpty());
    }

    @Test
    void yieldsForL0AndLeavesNothingBehind() throws Exception {
        TestTimelineBuilder b = TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x10))
                .image(Lsn.of(0x10), tenValues(AUX, "0x10"));
        // L0 layers (full key range) above the horizon, as many as the compaction threshold
        int threshold = 10;
        for (int i = 0; i < threshold; i++) {
            long start = 0x100 + i * 0x10L;
            b.delta(KeyRange.FULL, Lsn.of(start), Lsn.of(start + 0x10), List.of(e(k(i % 10), start, append("@l0"))));
        }
        Timeline t = b.build().block(T);
        assertEquals(threshold, t.layers().map().level0Deltas().size());
        setGc(t, 0x30, List.of(), TIMELINE);
        List<LayerName> before = layers(t);
        long files = fileCount(t.directory());
        GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                .withFlag(CompactFlags.YIELD_FOR_L0));
        assertEquals(CompactionOutcome.YIELD_FOR_L0, r.outcome());
        assertEquals(before, layers(t));
        assertEquals(files, fileCount(t.directory()));
        // without the flag it runs
        assertEquals(CompactionOutcome.DONE, compact(t, CompactOptions.defaultForGcCompactionUnitTests()).outcome());
    }

    @Test
    void subCompactionSplitsAndCompactsEverything() {
        // two image layers: jobs are cut at layer boundaries (each job takes at least one whole layer)
        List<LayerEntry> delta1 = List.of(e(key(DENSE, 1), 0x20, append("@0x20")),
                e(key(DENSE, 2), 0x30, append("@0x30")), e(key(DENSE, 3), 0x28, append("@0x28")),
                e(key(DENSE, 3), 0x30, append("@0x30")), e(key(DENSE, 3), 0x40, append("@0x40")));
        List<LayerEntry> delta2 = List.of(e(key(DENSE, 5), 0x20, append("@0x20")),
                e(key(DENSE, 6), 0x20, append("@0x20")));
        List<LayerEntry> delta3 = List.of(e(key(DENSE, 8), 0x48, append("@0x48")),
                e(key(DENSE, 9), 0x48, append("@0x48")));
        java.util.TreeMap<Key, byte[]> all = new java.util.TreeMap<>(tenValues(DENSE, "0x10"));
        Timeline t = TestTimelineBuilder.create(tenant(), TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x10), Lsn.of(0x48), delta1)
                .delta(Lsn.of(0x10), Lsn.of(0x48), delta2)
                .delta(Lsn.of(0x48), Lsn.of(0x50), delta3)
                .image(Lsn.of(0x10), all.headMap(key(DENSE, 5)))
                .image(Lsn.of(0x10), all.tailMap(key(DENSE, 5)))
                .endLsn(Lsn.of(0x50))
                .build().block(T);
        setGc(t, 0x30, List.of(0x10L, 0x20L), TIMELINE);
        List<GcCompactJob> jobs = GcCompaction.gcCompactionSplitJobs(t,
                GcCompactJob.fromCompactOptions(CompactOptions.defaultForGcCompactionUnitTests()), OptionalLong.of(0),
                GcCompaction.defaultPartitioning(t.layers().map()));
        // Neon's walk: [MIN, k5) (first image), [k5, k7) (delta2 ends first), [k7, MAX) (the empty rest joins it)
        assertEquals(List.of(new KeyRange(Key.MIN, key(DENSE, 5)), new KeyRange(key(DENSE, 5), key(DENSE, 7)),
                new KeyRange(key(DENSE, 7), Key.MAX)), jobs.stream().map(GcCompactJob::compactKeyRange).toList());
        assertEquals(Key.MIN, jobs.get(0).compactKeyRange().start());
        assertEquals(Key.MAX, jobs.get(jobs.size() - 1).compactKeyRange().end());
        for (int i = 1; i < jobs.size(); i++) {
            assertEquals(jobs.get(i - 1).compactKeyRange().end(), jobs.get(i).compactKeyRange().start());
            assertEquals(Lsn.of(0x30), jobs.get(i).compactLsnRange().end());
        }
        GcCompactionResult r = compact(t, CompactOptions.defaultForGcCompactionUnitTests()
                .withSubCompaction(true, OptionalLong.of(0)));
        assertEquals(CompactionOutcome.DONE, r.outcome());
        assertEquals(3, r.statistics().size());
        verifyRetainLsns(t, DENSE);
        assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(layers(t)));
    }

    /** Entries of {@code dir}; the listing's stream is closed (it holds a descriptor on the directory). */
    private static long fileCount(java.nio.file.Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(dir)) {
            return s.count();
        }
    }
}
