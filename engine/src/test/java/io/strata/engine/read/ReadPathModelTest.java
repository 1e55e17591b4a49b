package io.strata.engine.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Neon's randomized read-path test ({@code test_read_path}): a fixed layer-map shape (nested images inside a
 * delta's and an in-memory layer's LSN ranges, deltas side by side, a base image), filled at random, then random
 * scattered queries at interesting LSNs compared with an in-memory oracle. Unlike Neon's fill, gaps really skip a
 * (key, LSN), so keys have uneven histories. Seeded and reproducible: the seed is in every failure message.
 */
class ReadPathModelTest {
    static final int KEY_DIMENSION_SIZE = 99;
    static final Key START = Key.fromHex("110000000033333333444444445500000000");
    static final int QUERIES = 100;
    static final int MAX_QUERY_KEYS = 32;

    @TempDir
    Path dir;

    record Shape(KeyRange keys, Lsn start, Lsn end) {
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {0, 1, 2})
    void randomQueriesMatchTheOracle(long seed) {
        Random random = new Random(seed);
        int willInitChance = 1 + (int) (seed % 3) * 4;
        int gapChance = 5 + (int) (seed % 3) * 20;
        Key end = START.add(KEY_DIMENSION_SIZE);
        KeyRange total = new KeyRange(START, end);
        int third = KEY_DIMENSION_SIZE / 3;
        Lsn startLsn = Lsn.of(104);
        Lsn lastRecordLsn = Lsn.of(504);
        // Neon's in-memory layers (frozen).
        List<Shape> inMemory = List.of(new Shape(total, Lsn.of(304), Lsn.of(400)),
                new Shape(total, Lsn.of(400), lastRecordLsn));
        List<Shape> deltas = List.of(
                new Shape(new KeyRange(START, START.add(third)), Lsn.of(200), Lsn.of(304)),
                new Shape(new KeyRange(START.add(third), START.add(2 * third)), Lsn.of(200), Lsn.of(304)),
                new Shape(new KeyRange(START.add(2 * third), end), Lsn.of(200), Lsn.of(304)));
        List<Shape> images = List.of(
                new Shape(new KeyRange(START.add(2 * third - 10), START.add(2 * third + 10)), Lsn.of(456), null),
                new Shape(new KeyRange(START.add(third - 10), START.add(third + 10)), Lsn.of(256), null),
                new Shape(total, startLsn, null));

        PageOracle oracle = new PageOracle();
        List<Lsn> interesting = new ArrayList<>(List.of(lastRecordLsn));
        List<Shape> deltaShapes = new ArrayList<>(inMemory);
        deltaShapes.addAll(deltas);
        for (Shape s : deltaShapes) {
            for (long lsn = s.start().value(); lsn < s.end().value(); lsn++) {
                for (Key k = s.keys().start(); k.compareTo(s.keys().end()) < 0; k = k.next()) {
                    if (random.nextInt(100) < gapChance) {
                        continue;
                    }
                    boolean willInit = random.nextInt(100) < willInitChance;
                    oracle.put(k, Lsn.of(lsn), willInit ? ReadTestKit.init("[will_init " + k + "@" + lsn + "]")
                            : ReadTestKit.append("[delta " + k + "@" + lsn + "]"));
                }
            }
            addInteresting(interesting, s.start(), startLsn);
        }
        for (Shape s : images) {
            for (Key k = s.keys().start(); k.compareTo(s.keys().end()) < 0; k = k.next()) {
                oracle.put(k, s.start(), ReadTestKit.image("[image " + k + "@" + s.start() + "]"));
            }
            addInteresting(interesting, s.start(), startLsn);
        }

        try (ReadTestKit kit = new ReadTestKit(dir)) {
            for (Shape s : deltaShapes) {
                boolean memory = inMemory.contains(s);
                List<LayerEntry> entries = new ArrayList<>();
                for (long lsn = s.start().value(); lsn < s.end().value(); lsn++) {
                    for (Key k = s.keys().start(); k.compareTo(s.keys().end()) < 0; k = k.next()) {
                        Lsn l = Lsn.of(lsn);
                        Key key = k;
                        oracle.value(k, l).ifPresent(v -> entries.add(new LayerEntry(key, l, v)));
                    }
                }
                if (memory) {
                    kit.inMemory(s.start(), s.end(), entries);
                } else {
                    kit.delta(s.keys(), s.start(), s.end(), entries);
                }
            }
            for (Shape s : images) {
                TreeMap<Key, byte[]> pages = new TreeMap<>();
                for (Key k = s.keys().start(); k.compareTo(s.keys().end()) < 0; k = k.next()) {
                    pages.put(k, ((Value.Image) oracle.value(k, s.start()).orElseThrow()).bytes());
                }
                kit.image(s.keys(), s.start(), pages);
            }
            Timeline timeline = kit.timeline(ReadOptions.DEFAULT.withIoConcurrency(
                    seed % 2 == 0 ? IoConcurrency.CONCURRENT : IoConcurrency.SEQUENTIAL));

            for (int q = 0; q < QUERIES; q++) {
                KeySpaceQuery query = randomQuery(random, interesting);
                List<Page> pages = timeline.getVectored(query).collectList().block(LayerTestSupport.T);
                Set<Key> expectedKeys = new HashSet<>();
                query.totalKeySpace().ranges().forEach(r -> {
                    for (Key k = r.start(); k.compareTo(r.end()) < 0; k = k.next()) {
                        expectedKeys.add(k);
                    }
                });
                assertEquals(expectedKeys.size(), pages.size(), "seed=" + seed + " query " + query);
                for (Page p : pages) {
                    Lsn at = query.lsnFor(p.key());
                    byte[] want = oracle.get(p.key(), at).orElseThrow();
                    assertArrayEquals(want, p.bytes(), () -> "seed=" + seed + " mismatch for " + p.key() + "@" + at
                            + " in query " + query + ": got " + ReadTestKit.string(p.bytes()));
                }
            }
        }
    }

    private static void addInteresting(List<Lsn> interesting, Lsn lsn, Lsn startLsn) {
        interesting.add(lsn);
        for (long offset : new long[] {5, 100}) {
            if (lsn.value() - offset >= startLsn.value()) {
                interesting.add(Lsn.of(lsn.value() - offset));
            }
            interesting.add(Lsn.of(lsn.value() + offset));
        }
    }

    /** Neon's query generator: runs of consecutive keys, each run at an interesting LSN. */
    private static KeySpaceQuery randomQuery(Random random, List<Lsn> interesting) {
        Map<Lsn, KeySpace.Builder> byLsn = new HashMap<>();
        Set<Key> used = new HashSet<>();
        Key end = START.add(KEY_DIMENSION_SIZE);
        while (used.size() < MAX_QUERY_KEYS) {
            Lsn lsn = interesting.get(random.nextInt(interesting.size()));
            Key k = START.add(random.nextInt(KEY_DIMENSION_SIZE));
            while (used.size() < MAX_QUERY_KEYS && !used.contains(k) && k.compareTo(end) < 0) {
                byLsn.computeIfAbsent(lsn, l -> KeySpace.builder()).add(k);
                used.add(k);
                if (random.nextInt(101) <= 50) {
                    k = k.next();
                } else {
                    break;
                }
            }
        }
        List<KeySpaceQuery.Part> parts = new ArrayList<>();
        byLsn.forEach((lsn, b) -> parts.add(new KeySpaceQuery.Part(lsn, b.build())));
        return KeySpaceQuery.scattered(parts);
    }
}
