package io.strata.engine.timeline;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.read.KeySpaceQuery;
import io.strata.engine.read.Page;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** The test kit: Neon's {@code test_read_path} built with it, then flushed, restarted and continued. */
class TestTimelineBuilderTest {
    @TempDir
    Path dir;

    private static final Key START_KEY = Key.fromHex("110000000033333333444444445500000000");
    private static final int KEYS = 99;

    private static Value init(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walInit(s));
    }

    private static Value append(String s) {
        return new Value.WalRecord(NeonWalRecord.Test.walAppend(s));
    }

    /** Neon's {@code Storage::get}: the newest image or will_init record at or below lsn, then the appends above. */
    private static byte[] expected(Map<Key, TreeMap<Lsn, Value>> storage, Key key, Lsn lsn) {
        List<Value> acc = new ArrayList<>();
        for (Map.Entry<Lsn, Value> e : storage.get(key).headMap(lsn, true).descendingMap().entrySet()) {
            acc.add(e.getValue());
            if (e.getValue().willInit()) {
                break;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = acc.size() - 1; i >= 0; i--) {
            Value v = acc.get(i);
            if (v instanceof Value.Image img) {
                out.writeBytes(img.bytes());
            } else {
                out.writeBytes(((NeonWalRecord.Test) ((Value.WalRecord) v).record()).append()
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    @Test
    void neonsReadPathScenarioThroughTheKitThenFlushRestartAndIngest() {
        Random random = new Random(0);
        Key end = START_KEY.add(KEYS);
        KeyRange total = new KeyRange(START_KEY, end);
        int third = KEYS / 3;
        Lsn start = Lsn.of(104);
        Lsn last = Lsn.of(504);
        List<KeyRange> deltaKeys = List.of(new KeyRange(START_KEY, START_KEY.add(third)),
                new KeyRange(START_KEY.add(third), START_KEY.add(2 * third)),
                new KeyRange(START_KEY.add(2 * third), end));
        Map<Key, TreeMap<Lsn, Value>> storage = new HashMap<>();
        List<Lsn> interesting = new ArrayList<>(List.of(last));
        // in-memory [304, 400) and [400, 504), deltas [200, 304) in thirds, then the images (which overwrite)
        for (long[] r : new long[][] {{304, 400}, {400, 504}}) {
            fill(storage, random, total, Lsn.of(r[0]), Lsn.of(r[1]), interesting, start);
        }
        for (KeyRange kr : deltaKeys) {
            fill(storage, random, kr, Lsn.of(200), Lsn.of(304), interesting, start);
        }
        List<Object[]> imageShape = List.of(
                new Object[] {new KeyRange(START_KEY.add(2 * third - 10), START_KEY.add(2 * third + 10)), Lsn.of(456)},
                new Object[] {new KeyRange(START_KEY.add(third - 10), START_KEY.add(third + 10)), Lsn.of(256)},
                new Object[] {total, start});
        for (Object[] s : imageShape) {
            KeyRange kr = (KeyRange) s[0];
            Lsn lsn = (Lsn) s[1];
            for (Key k = kr.start(); k.compareTo(kr.end()) < 0; k = k.next()) {
                storage.computeIfAbsent(k, x -> new TreeMap<>())
                        .put(lsn, new Value.Image(("[image " + k + "@" + lsn + "]").getBytes(StandardCharsets.UTF_8)));
            }
            addInteresting(interesting, lsn, start);
        }

        StrataEngine engine = open(dir, config(1 << 20));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        TestTimelineBuilder b = TestTimelineBuilder.create(tenant, TIMELINE, start);
        for (long[] r : new long[][] {{304, 400}, {400, 504}}) {
            b.inMemory(Lsn.of(r[0]), Lsn.of(r[1]), entries(storage, total, Lsn.of(r[0]), Lsn.of(r[1])));
        }
        for (KeyRange kr : deltaKeys) {
            b.delta(kr, Lsn.of(200), Lsn.of(304), entries(storage, kr, Lsn.of(200), Lsn.of(304)));
        }
        for (Object[] s : imageShape) {
            KeyRange kr = (KeyRange) s[0];
            Lsn lsn = (Lsn) s[1];
            Map<Key, byte[]> pages = new TreeMap<>();
            for (Key k = kr.start(); k.compareTo(kr.end()) < 0; k = k.next()) {
                pages.put(k, ((Value.Image) storage.get(k).get(lsn)).bytes());
            }
            b.image(kr, lsn, pages);
        }
        Timeline t = b.endLsn(last).build().block(T);

        assertEquals(last, t.lastRecordLsn());
        assertEquals(Lsn.of(303), t.diskConsistentLsn(), "durable up to the highest layer file, below memory");
        assertEquals(2, t.layers().inMemory().size());
        assertEquals(6, t.indexPart().layerMetadata().size());
        queries(t, storage, interesting, random, 150);

        // the kit's frozen layers flush like any others; everything survives a restart
        // durable up to the last frozen layer's end (inclusive), as Neon: 503, the end LSN 504 holds nothing
        Lsn lastInLayers = Lsn.of(503);
        assertEquals(lastInLayers, t.freezeAndFlush().block(T));
        assertEquals(8, t.indexPart().layerMetadata().size());
        queries(t, storage, interesting, random, 50);
        engine.close().block(T);

        StrataEngine again = open(dir, config(1 << 20));
        Timeline t2 = again.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
        assertEquals(lastInLayers, t2.diskConsistentLsn());
        queries(t2, storage, interesting, random, 80);
        Key k = START_KEY.add(5);
        Lsn next = Lsn.of(505);
        t2.ingest(Flux.just(List.of(new IngestRecord(k, next, append("[after restart]"))))).block(T);
        storage.get(k).put(next, append("[after restart]"));
        assertArrayEquals(expected(storage, k, next), t2.get(k, next).block(T));
        again.close().block(T);
    }

    private static void addInteresting(List<Lsn> interesting, Lsn at, Lsn start) {
        interesting.add(at);
        for (int offset : new int[] {5, 100}) {
            at.checkedSub(offset).filter(v -> v.compareTo(start) >= 0).ifPresent(interesting::add);
            interesting.add(at.add(offset));
        }
    }

    private static void fill(Map<Key, TreeMap<Lsn, Value>> storage, Random random, KeyRange kr, Lsn from, Lsn to,
                             List<Lsn> interesting, Lsn start) {
        for (long lsn = from.value(); lsn < to.value(); lsn++) {
            for (Key k = kr.start(); k.compareTo(kr.end()) < 0; k = k.next()) {
                if (random.nextInt(100) < 5) {
                    continue; // a gap
                }
                boolean willInit = random.nextInt(100) < 1;
                Value v = willInit ? init("[will_init " + k + "@" + Lsn.of(lsn) + "]")
                        : append("[delta " + k + "@" + Lsn.of(lsn) + "]");
                storage.computeIfAbsent(k, x -> new TreeMap<>()).put(Lsn.of(lsn), v);
            }
        }
        addInteresting(interesting, from, start);
    }

    private static List<LayerEntry> entries(Map<Key, TreeMap<Lsn, Value>> storage, KeyRange kr, Lsn from, Lsn to) {
        List<LayerEntry> out = new ArrayList<>();
        for (Key k = kr.start(); k.compareTo(kr.end()) < 0; k = k.next()) {
            TreeMap<Lsn, Value> versions = storage.get(k);
            if (versions != null) {
                for (Map.Entry<Lsn, Value> e : versions.subMap(from, true, to, false).entrySet()) {
                    out.add(new LayerEntry(k, e.getKey(), e.getValue()));
                }
            }
        }
        return out;
    }

    /** Neon's query generator: runs of adjacent keys at interesting LSNs, up to 32 keys per query. */
    private static void queries(Timeline t, Map<Key, TreeMap<Lsn, Value>> storage, List<Lsn> interesting,
                                Random random, int n) {
        for (int q = 0; q < n; q++) {
            Map<Lsn, KeySpace.Builder> byLsn = new HashMap<>();
            Map<Key, Lsn> asked = new TreeMap<>();
            Set<Key> used = new HashSet<>();
            while (used.size() < 32) {
                Lsn lsn = interesting.get(random.nextInt(interesting.size()));
                Key key = START_KEY.add(random.nextInt(KEYS));
                while (used.size() < 32 && !used.contains(key) && key.compareTo(START_KEY.add(KEYS)) < 0) {
                    byLsn.computeIfAbsent(lsn, x -> KeySpace.builder()).add(key);
                    used.add(key);
                    asked.put(key, lsn);
                    if (random.nextInt(101) <= 50) {
                        key = key.next();
                    } else {
                        break;
                    }
                }
            }
            List<KeySpaceQuery.Part> parts = new ArrayList<>();
            byLsn.forEach((lsn, ks) -> parts.add(new KeySpaceQuery.Part(lsn, ks.build())));
            List<Page> pages = t.getVectored(KeySpaceQuery.scattered(parts)).collectList().block(T);
            assertEquals(asked.size(), pages.size());
            for (Page p : pages) {
                byte[] want = expected(storage, p.key(), asked.get(p.key()));
                if (!java.util.Arrays.equals(want, p.bytes())) {
                    assertEquals(new String(want, StandardCharsets.UTF_8), new String(p.bytes(),
                            StandardCharsets.UTF_8), p.key() + " at " + asked.get(p.key()));
                }
            }
        }
    }

    @Test
    void invalidDescriptionsAreRefusedNamingTheProblem() {
        StrataEngine engine = open(dir, config(1 << 20));
        Tenant tenant = engine.createTenant(TENANT).block(T);
        Key k = START_KEY;
        LayerEntry e = new LayerEntry(k, Lsn.of(0x20), append("x"));
        assertMessage(() -> TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                .delta(new KeyRange(k.next(), k.add(5)), Lsn.of(0x10), Lsn.of(0x30), List.of(e))
                .build().block(T), "outside its key range");
        assertMessage(() -> TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x10), Lsn.of(0x20), List.of(e)).build().block(T), "outside its LSN range");
        assertMessage(() -> TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                .delta(Lsn.of(0x10), Lsn.of(0x30), List.of(e)).endLsn(Lsn.of(0x20)).build().block(T),
                "above the end LSN");
        assertMessage(() -> TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                .openInMemory(Lsn.of(0x30), List.of()).inMemory(Lsn.of(0x40), Lsn.of(0x50), List.of())
                .build().block(T), "must be the last");
        assertMessage(() -> TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                .delta(new KeyRange(k, k.add(10)), Lsn.of(0x10), Lsn.of(0x30), List.of(e))
                .delta(new KeyRange(k.add(5), k.add(20)), Lsn.of(0x20), Lsn.of(0x40),
                        List.of(new LayerEntry(k.add(6), Lsn.of(0x25), append("y"))))
                .delta(new KeyRange(k.add(30), k.add(40)), Lsn.of(0x18), Lsn.of(0x38),
                        List.of(new LayerEntry(k.add(31), Lsn.of(0x25), append("z"))))
                .build().block(T), "LSN split assumption");
        assertTrue(tenant.timelines().isEmpty(), "nothing was created");
        engine.close().block(T);
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable x, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, x);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void neonsLayerMapCheck() {
        Key k = START_KEY;
        LayerName a = new DeltaLayerName(new KeyRange(k, k.add(10)), Lsn.of(0x10), Lsn.of(0x20));
        LayerName b = new DeltaLayerName(new KeyRange(k.add(10), k.add(20)), Lsn.of(0x10), Lsn.of(0x20));
        LayerName c = new DeltaLayerName(new KeyRange(k, k.add(20)), Lsn.of(0x20), Lsn.of(0x30));
        assertTrue(LayerMapChecks.checkValidLayerMap(List.of(a, b, c)).isEmpty());
        // a single-key layer may be split anywhere in LSN
        LayerName single = new DeltaLayerName(new KeyRange(k.add(25), k.add(26)), Lsn.of(0x15), Lsn.of(0x25));
        assertTrue(LayerMapChecks.checkValidLayerMap(List.of(a, b, c, single)).isEmpty());
        // a layer cut at other LSNs that overlaps another in keys and LSNs is invalid
        LayerName bad = new DeltaLayerName(new KeyRange(k.add(5), k.add(15)), Lsn.of(0x18), Lsn.of(0x28));
        assertTrue(LayerMapChecks.checkValidLayerMap(List.of(a, b, c, bad)).orElseThrow().contains("intersects"));
    }
}
