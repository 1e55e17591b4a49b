package io.strata.engine.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngines;
import io.strata.io.file.OpenMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.scheduler.Schedulers;

/** Seeded random trees checked against a TreeMap: lookups of present and absent keys, scans both ways. */
class BtreeModelTest {
    static final Duration T = Duration.ofSeconds(60);

    /**
     * Keys that share long prefixes (delta-layer-like: few relations, many blocks and LSNs) so nodes compress,
     * or, with {@code dense} false, random bytes that never compress.
     */
    static TreeMap<byte[], Long> randomModel(long seed, int keyLen, int n, boolean dense) {
        Random rnd = new Random(seed);
        TreeMap<byte[], Long> model = new TreeMap<>(Arrays::compareUnsigned);
        byte[] base = new byte[keyLen];
        rnd.nextBytes(base);
        while (model.size() < n) {
            byte[] k = base.clone();
            if (dense) {
                int tail = Math.min(keyLen, 6);
                for (int i = keyLen - tail; i < keyLen; i++) {
                    k[i] = (byte) rnd.nextInt(i == keyLen - tail ? 4 : 256);
                }
            } else {
                rnd.nextBytes(k);
            }
            model.put(k, rnd.nextLong() & BtreeFormat.MAX_VALUE);
        }
        return model;
    }

    static TreeImage image(TreeMap<byte[], Long> model, int keyLen, long startBlock) {
        return TreeImage.build(keyLen, startBlock, model.entrySet());
    }

    /** A probe key: present, a neighbour of a present key, or random. */
    static byte[] probe(Random rnd, List<byte[]> keys, int keyLen) {
        byte[] k = keys.get(rnd.nextInt(keys.size())).clone();
        switch (rnd.nextInt(4)) {
            case 0 -> { }
            case 1 -> k[keyLen - 1]++;
            case 2 -> k[keyLen - 1]--;
            default -> rnd.nextBytes(k);
        }
        return k;
    }

    static void checkAgainstModel(DiskBtreeReader r, TreeMap<byte[], Long> model, long seed, int probes) {
        int keyLen = r.keyLen();
        Random rnd = new Random(seed);
        List<byte[]> keys = new ArrayList<>(model.keySet());
        for (int i = 0; i < probes; i++) {
            byte[] k = probe(rnd, keys, keyLen);
            assertEquals(model.get(k), r.get(k).block(T), () -> "get " + BtreeFormat.hex(k));
            int limit = 1 + rnd.nextInt(60);
            assertEquals(expected(model.tailMap(k, true), limit),
                    r.scanCopies(k, VisitDirection.FORWARDS).take(limit).collectList().block(T),
                    () -> "forwards from " + BtreeFormat.hex(k));
            assertEquals(expected(model.headMap(k, true).descendingMap(), limit),
                    r.scanCopies(k, VisitDirection.BACKWARDS).take(limit).collectList().block(T),
                    () -> "backwards from " + BtreeFormat.hex(k));
        }
        byte[] min = new byte[keyLen];
        byte[] max = new byte[keyLen];
        Arrays.fill(max, (byte) 0xFF);
        assertEquals(expected(model, Integer.MAX_VALUE), r.scanCopies(min, VisitDirection.FORWARDS).collectList().block(T));
        assertEquals(expected(model.descendingMap(), Integer.MAX_VALUE),
                r.scanCopies(max, VisitDirection.BACKWARDS).collectList().block(T));
    }

    static List<BtreeKeyValue> expected(NavigableMap<byte[], Long> m, int limit) {
        return m.entrySet().stream().limit(limit).map(e -> new BtreeKeyValue(e.getKey(), e.getValue())).toList();
    }

    @ParameterizedTest(name = "keyLen {0}, {1} keys, dense {2}")
    @CsvSource({"18, 1, true", "18, 30000, true", "26, 20000, true", "26, 3000, false", "8, 50000, true",
            "200, 5000, false", "255, 2000, true"})
    void randomTreesMatchTheModel(int keyLen, int n, boolean dense) {
        long seed = 31L * keyLen + n;
        TreeMap<byte[], Long> model = randomModel(seed, keyLen, n, dense);
        TreeImage img = image(model, keyLen, 7);
        checkAgainstModel(img.reader(img.memoryReader(), keyLen), model, seed, 400);
    }

    @Test
    void deepTreesHaveThreeLevels() {
        TreeMap<byte[], Long> model = randomModel(7, 200, 5000, false);
        TreeImage img = image(model, 200, 0);
        byte[] root = img.block(img.tree().rootBlock());
        assertEquals(2, root[2], "root level of 5000 200-byte keys (39 per node: 129 leaves, 4 level-1 nodes)");
        checkAgainstModel(img.reader(img.memoryReader(), 200), model, 8, 200);
    }

    @Test
    void asynchronousBlockReaderDeliversTheSameEntries() {
        TreeMap<byte[], Long> model = randomModel(11, 26, 20000, true);
        TreeImage img = image(model, 26, 3);
        MemoryBlockReader mem = img.memoryReader();
        BlockReader async = blk -> mem.read(blk).publishOn(Schedulers.parallel());
        DiskBtreeReader r = img.reader(async, 26);
        checkAgainstModel(r, model, 12, 100);
        // the flyweight survives a thread hop once copied
        assertEquals(expected(model, Integer.MAX_VALUE), r.forward(new byte[26]).map(BtreeEntry::copy)
                .publishOn(Schedulers.boundedElastic()).collectList().block(T));
    }

    @Test
    void readsARealFileThroughDirectFile(@TempDir Path dir) throws Exception {
        TreeMap<byte[], Long> model = randomModel(21, 18, 10000, true);
        TreeImage img = image(model, 18, 5);
        Path p = dir.resolve("index");
        Files.write(p, img.file());
        AlignedBufferPool pool = new AlignedBufferPool(BtreeFormat.PAGE_SIZE, 8, 4096).trackLeaks(true);
        try (IoEngine engine = IoEngines.create(IoConfig.defaults().withRings(1))) {
            DirectFile f = engine.open(p, OpenMode.READ).block(T);
            try {
                DiskBtreeReader r = img.reader(new DirectFileBlockReader(f, pool), 18);
                checkAgainstModel(r, model, 22, 100);
                Map.Entry<byte[], Long> first = model.firstEntry();
                assertEquals(first.getValue(), r.get(first.getKey()).block(T));
            } finally {
                f.close().block(T);
            }
        }
        long deadline = System.nanoTime() + T.toNanos();
        while (pool.available() < pool.capacity() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        pool.assertNoLeaks();
        assertTrue(img.tree().blockCount() > 1);
    }
}
