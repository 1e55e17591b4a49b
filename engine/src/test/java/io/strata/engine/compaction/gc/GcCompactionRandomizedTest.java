package io.strata.engine.compaction.gc;

import static io.strata.engine.compaction.gc.GcTestSupport.append;
import static io.strata.engine.compaction.gc.GcTestSupport.compact;
import static io.strata.engine.compaction.gc.GcTestSupport.img;
import static io.strata.engine.compaction.gc.GcTestSupport.init;
import static io.strata.engine.compaction.gc.GcTestSupport.key;
import static io.strata.engine.compaction.gc.GcTestSupport.layers;
import static io.strata.engine.compaction.gc.GcTestSupport.read;
import static io.strata.engine.compaction.gc.GcTestSupport.setGc;
import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.LayerMapChecks;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Model-based: random layer stacks (an image at initdb, then LSN levels of delta layers cut at random keys, with
 * images, appends and init records), random retain LSNs and horizon, then random jobs (key range x LSN range, some
 * dry runs); after each job every key reads, at every retain LSN and at every LSN from the horizon up, what it read
 * before any compaction, and the layer map stays valid.
 */
class GcCompactionRandomizedTest {
    private static final String DENSE = "000000000033333333444444445500000000";
    private static final int KEYS = 24;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void randomHistoriesRetainLsnsAndRectanglesReadTheSame(long seed) {
        Random rnd = new Random(seed);
        StrataEngine engine = open(dir, config(1 << 20));
        try {
            Tenant tenant = engine.createTenant(TENANT).block(T);
            TestTimelineBuilder b = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10));
            Map<Key, byte[]> base = new TreeMap<>();
            for (int i = 0; i < KEYS; i++) {
                base.put(key(DENSE, i), ("k" + i + "@10").getBytes());
            }
            b.image(Lsn.of(0x10), base);
            long lsn = 0x10;
            int levels = 3 + rnd.nextInt(3);
            for (int level = 0; level < levels; level++) {
                long start = lsn + 1;
                long end = start + 0x20 + rnd.nextInt(0x20);
                // cut the keys into 1-3 delta layers at random points, same LSN range (a valid layer map)
                TreeSet<Integer> cuts = new TreeSet<>(List.of(0, KEYS));
                for (int c = rnd.nextInt(3); c > 0; c--) {
                    cuts.add(1 + rnd.nextInt(KEYS - 1));
                }
                Integer prev = null;
                for (int cut : cuts) {
                    if (prev != null) {
                        List<LayerEntry> data = new ArrayList<>();
                        for (int i = prev; i < cut; i++) {
                            TreeSet<Long> at = new TreeSet<>();
                            for (int n = rnd.nextInt(4); n > 0; n--) {
                                at.add(start + rnd.nextInt((int) (end - start)));
                            }
                            for (long l : at) {
                                int kind = rnd.nextInt(10);
                                String s = "@" + Long.toHexString(l);
                                Value v = kind == 0 ? img("k" + i + s) : kind == 1 ? init("k" + i + "i" + s)
                                        : append(s);
                                data.add(new LayerEntry(key(DENSE, i), Lsn.of(l), v));
                            }
                        }
                        if (!data.isEmpty()) {
                            b.delta(new KeyRange(key(DENSE, prev), key(DENSE, cut)), Lsn.of(start), Lsn.of(end),
                                    data);
                        }
                    }
                    prev = cut;
                }
                lsn = end - 1;
            }
            long endLsn = lsn;
            Timeline t = b.endLsn(Lsn.of(endLsn)).build().block(T);
            long horizon = 0x11 + rnd.nextInt((int) (endLsn - 0x11));
            List<Long> retain = new ArrayList<>();
            for (int n = rnd.nextInt(4); n > 0; n--) {
                retain.add(0x10 + (long) rnd.nextInt((int) (horizon - 0x10)));
            }
            setGc(t, horizon, retain, TIMELINE);
            List<Long> points = new ArrayList<>(retain);
            for (long l = horizon; l <= endLsn; l++) {
                points.add(l);
            }
            Map<String, String> expected = new HashMap<>();
            for (int i = 0; i < KEYS; i++) {
                for (long p : points) {
                    expected.put(i + "@" + p, read(t, key(DENSE, i), p));
                }
            }
            int rewritten = 0;
            for (int job = 0; job < 6; job++) {
                CompactOptions o = CompactOptions.defaultForGcCompactionUnitTests();
                if (rnd.nextBoolean()) {
                    int a = rnd.nextInt(KEYS);
                    int c = a + 1 + rnd.nextInt(KEYS - a);
                    o = o.withKeyRange(new CompactKeyRange(key(DENSE, a), key(DENSE, c)));
                }
                if (rnd.nextBoolean()) {
                    Lsn s = rnd.nextBoolean() ? Lsn.INVALID : Lsn.of(0x10 + rnd.nextInt((int) (endLsn - 0x10)));
                    Lsn e = rnd.nextBoolean() ? Lsn.MAX : Lsn.of(0x11 + rnd.nextInt((int) (endLsn - 0x10)));
                    o = o.withLsnRange(new CompactLsnRange(s, e));
                }
                boolean dry = rnd.nextInt(5) == 0;
                if (dry) {
                    o = o.withFlag(CompactFlags.DRY_RUN);
                }
                List<LayerName> before = layers(t);
                try {
                    rewritten += compact(t, o).removed().size();
                } catch (GcCompactionException e) {
                    // Neon gives up on a key range without keys; nothing may have changed then
                    assertTrue(e.getMessage().contains("no keys produced"), e.toString());
                    assertEquals(before, layers(t));
                }
                if (dry) {
                    assertEquals(before, layers(t), "a dry run changes nothing");
                }
                assertEquals(Optional.empty(), LayerMapChecks.checkValidLayerMap(layers(t)), layers(t).toString());
                for (int i = 0; i < KEYS; i++) {
                    for (long p : points) {
                        assertEquals(expected.get(i + "@" + p), read(t, key(DENSE, i), p),
                                "seed " + seed + " job " + job + " " + o + ": key " + i + " at " + Long.toHexString(p)
                                        + "\n" + layers(t));
                    }
                }
            }
            // a final full compaction: whatever the jobs left, everything below the horizon is rewritten
            rewritten += compact(t, CompactOptions.defaultForGcCompactionUnitTests()).removed().size();
            assertTrue(rewritten > 0, "the jobs compacted nothing");
            for (int i = 0; i < KEYS; i++) {
                for (long p : points) {
                    assertEquals(expected.get(i + "@" + p), read(t, key(DENSE, i), p), "seed " + seed + " final");
                }
            }
        } finally {
            engine.close().block(T);
        }
    }
}
