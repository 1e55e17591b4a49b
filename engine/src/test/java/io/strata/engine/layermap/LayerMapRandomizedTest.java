package io.strata.engine.layermap;

import static io.strata.engine.layermap.TestLayers.delta;
import static io.strata.engine.layermap.TestLayers.image;
import static io.strata.engine.layermap.TestLayers.key;
import static io.strata.engine.layermap.TestLayers.lsn;
import static io.strata.engine.layermap.TestLayers.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link LayerMap} against {@link BruteForceLayerMap} on random layer stacks: overlapping deltas, images inside a
 * delta's LSN range, images and deltas ending at the same LSN, L0 deltas, open and frozen in-memory layers, built
 * in several batches with removals. Seeds are fixed; a failure names its seed.
 */
class LayerMapRandomizedTest {
    private static final int FIRST_SEED = 1;
    private static final int SEEDS = 200;
    private static final int KEYS = 40;
    private static final int LSNS = 60;

    @Test
    void answersAsTheBruteForceReference() {
        System.out.println("LayerMapRandomizedTest: seeds " + FIRST_SEED + ".." + (FIRST_SEED + SEEDS - 1));
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            check(seed);
        }
    }

    private static void check(long seed) {
        Random rnd = new Random(seed);
        List<PersistentLayerDesc> layers = randomLayers(rnd);
        List<PersistentLayerDesc> junk = randomLayers(rnd).subList(0, 3);
        junk.removeIf(layers::contains);

        // batches in random order; junk goes in early and out later
        List<PersistentLayerDesc> order = new ArrayList<>(layers);
        Collections.shuffle(order, rnd);
        int batches = 1 + rnd.nextInt(4);
        LayerMap map = LayerMap.EMPTY;
        for (int b = 0; b < batches; b++) {
            BatchedUpdates u = map.batchUpdate();
            for (int i = b * order.size() / batches; i < (b + 1) * order.size() / batches; i++) {
                u.insertHistoric(order.get(i));
            }
            if (b == 0) {
                junk.forEach(u::insertHistoric);
            }
            if (b == batches - 1) {
                junk.forEach(u::removeHistoric);
            }
            map = u.flush();
        }
        map = withInMemoryLayers(map, rnd);

        String at = "seed " + seed;
        assertEquals(new HashSet<>(layers), new HashSet<>(map.historicLayers()), at);
        assertEquals(layers.size(), map.historicLayerCount(), at);
        assertEquals(layers.stream().filter(PersistentLayerDesc::isL0).collect(java.util.stream.Collectors.toSet()),
                new HashSet<>(map.level0Deltas()), at);
        BruteForceLayerMap ref = new BruteForceLayerMap(layers, map.openLayer().orElse(null), map.frozenLayers());

        List<Key> keys = new ArrayList<>(List.of(Key.MIN, Key.MAX, new Key(0xFF, 0, 0, 0, 0, 3)));
        for (int k = 0; k <= KEYS + 2; k++) {
            keys.add(key(k));
        }
        for (Key k : keys) {
            for (int l = 0; l <= LSNS + 15; l++) {
                assertEquals(ref.search(k, lsn(l)), map.search(k, lsn(l)), at + ": search " + k + " @ " + l);
            }
        }
        for (int q = 0; q < 40; q++) {
            int a = rnd.nextInt(KEYS + 2);
            KeyRange r = range(a, a + 1 + rnd.nextInt(KEYS + 3 - a));
            Lsn end = lsn(rnd.nextInt(LSNS + 15));
            assertEquals(ref.rangeSearch(r, end), map.rangeSearch(r, end), at + ": rangeSearch " + r + " @ " + end);

            KeyRange any = anyRange(rnd);
            Lsn s = lsn(rnd.nextInt(LSNS + 10));
            Lsn e = lsn(rnd.nextInt(LSNS + 15));
            assertEquals(ref.imageLayerExists(any, s, e), map.imageLayerExists(any, s, e),
                    at + ": imageLayerExists " + any + " " + s + ".." + e);

            OptionalInt limit = rnd.nextInt(3) == 0 ? OptionalInt.of(rnd.nextInt(4)) : OptionalInt.empty();
            assertEquals(ref.countDeltas(any, s, e, limit), map.countDeltas(any, s, e, limit),
                    at + ": countDeltas " + any + " " + s + ".." + e + " limit " + limit);

            if (!any.isEmpty()) {
                List<ImageCoverage> coverage = map.imageCoverage(any, e);
                assertEquals(ref.imageCoverageMerged(any, e), BruteForceLayerMap.merge(coverage),
                        at + ": imageCoverage " + any + " @ " + e);
                if (!coverage.isEmpty()) {
                    assertContiguous(coverage, any, at);
                }
            }
        }
    }

    /** The parts of an image coverage follow each other from the range's start to its end (i128 form). */
    private static void assertContiguous(List<ImageCoverage> coverage, KeyRange range, String at) {
        Key expected = LayerKey.coverageKey(range.start());
        for (ImageCoverage c : coverage) {
            assertEquals(expected, c.range().start(), at + ": " + coverage);
            expected = c.range().end();
        }
        assertEquals(LayerKey.coverageKey(range.end()), expected, at + ": " + coverage);
    }

    private static KeyRange anyRange(Random rnd) {
        switch (rnd.nextInt(8)) {
            case 0:
                return KeyRange.FULL;
            case 1: {
                int a = rnd.nextInt(KEYS);
                return range(a, a);
            }
            default: {
                int a = rnd.nextInt(KEYS + 2);
                return range(a, a + 1 + rnd.nextInt(KEYS + 3 - a));
            }
        }
    }

    private static List<PersistentLayerDesc> randomLayers(Random rnd) {
        int n = 3 + rnd.nextInt(30);
        List<PersistentLayerDesc> out = new ArrayList<>();
        Set<LayerKey> keys = new HashSet<>();
        while (out.size() < n) {
            PersistentLayerDesc l = randomLayer(rnd, out);
            if (l != null && keys.add(LayerKey.of(l))) {
                out.add(l);
            }
        }
        return out;
    }

    private static PersistentLayerDesc randomLayer(Random rnd, List<PersistentLayerDesc> existing) {
        int kind = rnd.nextInt(100);
        int a = rnd.nextInt(KEYS);
        int b = a + 1 + rnd.nextInt(Math.min(KEYS - a, 1 + rnd.nextInt(KEYS)));
        PersistentLayerDesc base = existing.isEmpty() ? null : existing.get(rnd.nextInt(existing.size()));
        if (kind < 35) {
            int s = rnd.nextInt(LSNS);
            return delta(a, b, s, s + 1 + rnd.nextInt(15));
        } else if (kind < 55) {
            return image(a, b, rnd.nextInt(LSNS));
        } else if (kind < 70) {
            // an image inside a delta's LSN range, over some of its keys
            if (base == null || !base.isDelta() || base.isL0()
                    || base.lsnEnd().value() - base.lsnStart().value() < 2) {
                return null;
            }
            long lsn = base.lsnStart().value() + 1 + rnd.nextInt((int) (base.lsnEnd().value() - base.lsnStart().value() - 1));
            return image(sub(rnd, base.keyRange()), lsn);
        } else if (kind < 80) {
            // an image ending where a delta ends
            if (base == null || !base.isDelta()) {
                return null;
            }
            return image(base.isL0() ? range(a, b) : sub(rnd, base.keyRange()), base.lsnEnd().value() - 1);
        } else if (kind < 90) {
            int s = rnd.nextInt(LSNS);
            return delta(KeyRange.FULL, s, s + 1 + rnd.nextInt(10));
        } else {
            // a delta ending where another layer ends
            if (base == null) {
                return null;
            }
            long end = base.lsnEnd().value();
            long start = Math.max(0, end - 1 - rnd.nextInt(10));
            return delta(a, b, start, end);
        }
    }

    private static KeyRange sub(Random rnd, KeyRange r) {
        long s = r.start().toI128Lo();
        long e = r.end().toI128Lo();
        long a = s + rnd.nextInt((int) (e - s));
        long b = a + 1 + rnd.nextInt((int) (e - a));
        return range(a, b);
    }

    /** None, or frozen layers and perhaps an open one, starting anywhere (overlaps are allowed, as in Neon). */
    private static LayerMap withInMemoryLayers(LayerMap map, Random rnd) {
        if (rnd.nextBoolean()) {
            return map;
        }
        long start = 20 + rnd.nextInt(LSNS);
        int frozen = rnd.nextInt(3);
        long id = 1;
        for (int i = 0; i < frozen; i++) {
            long end = start + 1 + rnd.nextInt(10);
            map = map.withOpenLayer(InMemoryLayerDesc.open(id++, lsn(start))).freezeOpenLayer(lsn(end));
            start = end;
        }
        if (frozen == 0 || rnd.nextBoolean()) {
            map = map.withOpenLayer(InMemoryLayerDesc.open(id, lsn(start)));
        }
        assertTrue(map.openLayer().isPresent() || !map.frozenLayers().isEmpty());
        return map;
    }
}
