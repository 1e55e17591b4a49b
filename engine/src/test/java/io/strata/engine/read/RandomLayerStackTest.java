package io.strata.engine.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.timeline.Timeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The read path over random layer stacks, against the oracle: LSN slabs of L0 deltas or of deltas partitioning the
 * keys, image layers at random LSNs over random key ranges (nested inside deltas and in-memory layers), frozen and
 * open in-memory layers on top. Every (key, LSN) value lives in exactly one delta or in-memory layer, as in a
 * real timeline; images hold the page as of their LSN. Seeded; the seed is in every failure message.
 */
class RandomLayerStackTest {
    static final int KEYS = 48;
    static final Key START = Key.fromHex("000000067F000032AC000040070000000000");

    @TempDir
    Path dir;

    static Key key(int i) {
        return START.add(i);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16})
    void randomStacksReadLikeTheOracle(long seed) {
        Random random = new Random(seed);
        PageOracle oracle = new PageOracle();
        Lsn base = Lsn.of(0x10);
        for (int k = 0; k < KEYS; k++) {
            oracle.put(key(k), base, ReadTestKit.image("base " + k));
        }
        try (ReadTestKit kit = new ReadTestKit(dir)) {
            TreeMap<Key, byte[]> basePages = new TreeMap<>();
            for (int k = 0; k < KEYS; k++) {
                basePages.put(key(k), ReadTestKit.bytes("base " + k));
            }
            kit.image(new KeyRange(key(0), key(KEYS)), base, basePages);

            long lsn = 0x20;
            int slabs = 4 + random.nextInt(4);
            List<Long> boundaries = new ArrayList<>();
            for (int s = 0; s < slabs; s++) {
                long start = lsn;
                long end = start + 5 + random.nextInt(30);
                boundaries.add(start);
                fill(random, oracle, start, end);
                boolean memory = s >= slabs - 2;
                if (memory) {
                    boolean open = s == slabs - 1 && random.nextBoolean();
                    kit.inMemory(Lsn.of(start), open ? Lsn.MAX : Lsn.of(end), entries(oracle, 0, KEYS, start, end));
                } else if (random.nextInt(3) == 0) {
                    List<LayerEntry> all = entries(oracle, 0, KEYS, start, end);
                    if (!all.isEmpty()) {
                        kit.delta(KeyRange.FULL, Lsn.of(start), Lsn.of(end), all); // an L0
                    }
                } else {
                    int from = 0;
                    while (from < KEYS) {
                        int to = Math.min(KEYS, from + 1 + random.nextInt(KEYS));
                        List<LayerEntry> part = entries(oracle, from, to, start, end);
                        if (!part.isEmpty()) {
                            kit.delta(new KeyRange(key(from), key(to)), Lsn.of(start), Lsn.of(end), part);
                        }
                        from = to;
                    }
                }
                lsn = end;
            }
            long top = lsn;
            int images = 2 + random.nextInt(5);
            for (int i = 0; i < images; i++) {
                long at = 0x20 + random.nextInt((int) (top - 0x20));
                int from = random.nextInt(KEYS);
                int to = Math.min(KEYS, from + 1 + random.nextInt(KEYS / 2));
                TreeMap<Key, byte[]> pages = new TreeMap<>();
                for (int k = from; k < to; k++) {
                    pages.put(key(k), oracle.get(key(k), Lsn.of(at)).orElseThrow());
                }
                kit.image(new KeyRange(key(from), key(to)), Lsn.of(at), pages);
            }
            Timeline timeline = kit.timeline(ReadOptions.DEFAULT.withIoConcurrency(
                    seed % 2 == 0 ? IoConcurrency.CONCURRENT : IoConcurrency.SEQUENTIAL).withMaxBatchKeys(16));

            KeySpace all = KeySpace.single(new KeyRange(key(0), key(KEYS)));
            for (long at = 0x10; at <= top + 2; at += 1 + random.nextInt(4)) {
                Lsn readAt = Lsn.of(at);
                List<Page> pages = timeline.getVectored(all, readAt).collectList().block(LayerTestSupport.T);
                assertEquals(KEYS, pages.size(), "seed=" + seed + " at " + readAt);
                for (int k = 0; k < KEYS; k++) {
                    Page p = pages.get(k);
                    assertEquals(key(k), p.key());
                    byte[] want = oracle.get(key(k), readAt).orElseThrow();
                    assertArrayEquals(want, p.bytes(), () -> "seed=" + seed + " key " + p.key() + " at " + readAt
                            + ": got " + ReadTestKit.string(p.bytes()) + ", want " + ReadTestKit.string(want));
                }
            }
            pointGetsReadLikeTheOracle(seed, random, kit, oracle, top);
        }
    }

    /**
     * Single-key gets at random LSNs, through {@code Timeline.get} without the fast path, through {@link PointGet}
     * (after that get opened the layers on the way and cached their index nodes, it must apply to every dense key of
     * this one timeline) and through {@code Timeline.get} with it: all three give the oracle's page, and the fast
     * path reports the same layer visits and values read as the general path.
     */
    private static void pointGetsReadLikeTheOracle(long seed, Random random, ReadTestKit kit, PageOracle oracle,
                                                   long top) {
        Totals fastStats = new Totals();
        Totals generalStats = new Totals();
        ReadOptions fastOptions = ReadOptions.DEFAULT.withMetrics(fastStats);
        Timeline fast = kit.timeline(fastOptions);
        Timeline general = kit.timeline(ReadOptions.DEFAULT.withPointFastPath(false).withMetrics(generalStats));
        for (long at = 0x10; at <= top + 2; at += 1 + random.nextInt(3)) {
            Lsn readAt = Lsn.of(at);
            for (int k = 0; k < KEYS; k++) {
                Key key = key(k);
                byte[] want = oracle.get(key, readAt).orElseThrow();
                String where = "seed=" + seed + " key " + key + " at " + readAt;
                // The general path first: it opens the layers on the way and caches their index nodes.
                assertPage(want, general.get(key, readAt).block(LayerTestSupport.T), where + " (get, general path)");
                var direct = PointGet.tryRead(fast, key, readAt, ReadTestKit.redo(), fastOptions, System.nanoTime());
                assertNotNull(direct, where + ": the point get did not apply");
                assertPage(want, direct.block(LayerTestSupport.T), where + " (PointGet)");
                assertPage(want, fast.get(key, readAt).block(LayerTestSupport.T), where + " (get, fast path)");
            }
        }
        assertEquals(generalStats.gets * 2, fastStats.gets, "seed=" + seed);
        assertEquals(generalStats.layers * 2, fastStats.layers, "seed=" + seed + ": layers visited");
        assertEquals(generalStats.deltaLayers * 2, fastStats.deltaLayers, "seed=" + seed + ": delta layers visited");
        assertEquals(generalStats.ios * 2, fastStats.ios, "seed=" + seed + ": values read");
    }

    /** Exact sums of what the gets reported (the gets run one at a time). */
    private static final class Totals implements ReadMetrics {
        long gets;
        long layers;
        long deltaLayers;
        long ios;

        @Override
        public synchronized void onGet(int keys, int layersVisited, int deltaLayersVisited, int ios, long nanos) {
            gets += keys;
            layers += layersVisited;
            deltaLayers += deltaLayersVisited;
            this.ios += ios;
        }
    }

    private static void assertPage(byte[] want, byte[] got, String where) {
        assertArrayEquals(want, got, () -> where + ": got " + (got == null ? null : ReadTestKit.string(got))
                + ", want " + ReadTestKit.string(want));
    }

    private static void fill(Random random, PageOracle oracle, long start, long end) {
        for (long l = start; l < end; l++) {
            for (int k = 0; k < KEYS; k++) {
                int roll = random.nextInt(100);
                if (roll < 15) {
                    oracle.put(key(k), Lsn.of(l), roll < 2 ? ReadTestKit.init("[init " + k + "@" + l + "]")
                            : ReadTestKit.append("[+" + k + "@" + l + "]"));
                }
            }
        }
    }

    private static List<LayerEntry> entries(PageOracle oracle, int from, int to, long start, long end) {
        List<LayerEntry> out = new ArrayList<>();
        for (int k = from; k < to; k++) {
            for (long l = start; l < end; l++) {
                Key key = key(k);
                Lsn lsn = Lsn.of(l);
                oracle.value(key, lsn).ifPresent(v -> out.add(new LayerEntry(key, lsn, v)));
            }
        }
        return out;
    }

}
