package io.strata.engine.compaction.image;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.read.MissingKeyException;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collected key space is what reads can find: an image layer hides the older keys it lacks, a delta straddling
 * the LSN counts only its versions at or below it, in-memory layers count, and layer key spaces are cached.
 */
class KeySpaceCollectorTest {
    @TempDir
    Path dir;

    private static Key c(int i) {
        return new Key(0, 1663, 5, 30000, 0, i);
    }

    private static final Key META = new Key(Key.AUX_KEY_PREFIX, 0, 0, 0, 0, 3);

    private static LayerEntry image(Key key, long lsn) {
        return new LayerEntry(key, Lsn.of(lsn), new Value.Image(("v" + key.field6() + "@" + lsn).getBytes()));
    }

    private static KeySpace keys(int... blocks) {
        KeySpace.Builder b = KeySpace.builder();
        for (int i : blocks) {
            b.add(c(i));
        }
        return b.build();
    }

    /** Whether a read of {@code key} at {@code lsn} finds it (a missing dense key fails the read). */
    private static boolean readable(Timeline t, Key key, Lsn lsn) {
        try {
            t.get(key, lsn).block(T);
            return true;
        } catch (MissingKeyException e) {
            return false;
        } catch (RuntimeException e) {
            assertInstanceOf(MissingKeyException.class, e.getCause(), e.toString());
            return false;
        }
    }

    @Test
    void collectsWhatReadsFind() {
        StrataEngine engine = open(dir, config(1 << 20));
        try {
            Tenant tenant = engine.createTenant(TENANT).block(T);
            List<LayerEntry> a = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                a.add(image(c(i), 0x15));
            }
            Map<Key, byte[]> img = new TreeMap<>();
            for (int i = 0; i < 5; i++) {
                img.put(c(i), ("i" + i).getBytes());
            }
            Timeline t = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .delta(new KeyRange(c(0), c(10)), Lsn.of(0x10), Lsn.of(0x20), a)
                    // the image keeps keys 0..4 only: 5..9 no longer exist from 0x20 on
                    .image(new KeyRange(c(0), c(10)), Lsn.of(0x20), img)
                    .delta(new KeyRange(c(0), c(20)), Lsn.of(0x20), Lsn.of(0x40),
                            List.of(image(c(7), 0x30), image(c(12), 0x35)))
                    .inMemory(Lsn.of(0x40), Lsn.of(0x50), List.of(image(c(5), 0x45),
                            new LayerEntry(META, Lsn.of(0x46), new Value.Image(new byte[] {1}))))
                    .endLsn(Lsn.of(0x4F))
                    .build().block(T);
            KeySpaceCollector collector = new KeySpaceCollector();
            Map<Long, KeySpace> expected = new TreeMap<>(Map.of(
                    0x10L, KeySpace.empty(),
                    0x15L, keys(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
                    0x20L, keys(0, 1, 2, 3, 4),
                    0x30L, keys(0, 1, 2, 3, 4, 7),
                    0x3FL, keys(0, 1, 2, 3, 4, 7, 12),
                    0x4FL, keys(0, 1, 2, 3, 4, 5, 7, 12)));
            for (Map.Entry<Long, KeySpace> e : expected.entrySet()) {
                Lsn lsn = Lsn.of(e.getKey());
                CollectedKeySpace got = collector.collect(t, lsn).block(T);
                assertEquals(e.getValue(), got.dense(), "dense keys at " + lsn);
                assertEquals(e.getKey() >= 0x46 ? KeySpace.single(KeyRange.singleton(META)) : KeySpace.empty(),
                        got.sparse(), "sparse keys at " + lsn);
                // the same answer as reads give, key by key
                for (int i = 0; i < 24; i++) {
                    assertEquals(readable(t, c(i), lsn), got.dense().contains(c(i)), "key " + i + " at " + lsn);
                }
            }
            // the image's keys are cached (one range); the straddling and image-bound deltas are filtered each time
            assertEquals(1, collector.cachedLayers());
            assertEquals(1, collector.cachedRanges());
            assertEquals(expected.get(0x4FL), collector.collect(t, Lsn.of(0x4F)).block(T).dense());
        } finally {
            engine.close().block(T);
        }
    }
}
