package io.strata.engine.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Ports of the tests in Neon's pageserver/src/tenant/disk_btree.rs. */
class NeonDiskBtreeTest {
    static final Duration T = Duration.ofSeconds(30);

    static List<Map.Entry<byte[], Long>> basicEntries() {
        String[] keys = {"xaaaaa", "xaaaba", "xaaaca", "xabaaa", "xababa", "xabaca", "xabada", "xabadb"};
        List<Map.Entry<byte[], Long>> out = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            out.add(new SimpleEntry<>(ascii(keys[i]), (long) i));
        }
        return out;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static List<String> visitAll(DiskBtreeReader r, byte[] key, VisitDirection dir) {
        List<String> out = new ArrayList<>();
        assertTrue(r.visit(key, dir, e -> out.add(new String(e.key(), StandardCharsets.US_ASCII) + "=" + e.value()))
                .block(T));
        return out;
    }

    @Test
    void basic() {
        List<Map.Entry<byte[], Long>> all = basicEntries();
        TreeImage img = TreeImage.build(6, 0, all);
        DiskBtreeReader r = img.reader(img.memoryReader(), 6);

        for (Map.Entry<byte[], Long> e : all) {
            assertEquals(e.getValue(), r.get(e.getKey()).block(T));
        }
        assertEquals(null, r.get(ascii("aaaaaa")).block(T));
        assertEquals(null, r.get(ascii("zzzzzz")).block(T));
        assertEquals(null, r.get(ascii("xaaabx")).block(T));

        assertEquals(List.of("xabaaa=3", "xababa=4", "xabaca=5", "xabada=6", "xabadb=7"),
                visitAll(r, ascii("xabaaa"), VisitDirection.FORWARDS));
        assertEquals(List.of("xabaaa=3", "xaaaca=2", "xaaaba=1", "xaaaaa=0"),
                visitAll(r, ascii("xabaaa"), VisitDirection.BACKWARDS));
        // backward scan where nothing matches
        assertEquals(List.of(), visitAll(r, ascii("aaaaaa"), VisitDirection.BACKWARDS));
        // full scan
        assertEquals(8, visitAll(r, new byte[6], VisitDirection.FORWARDS).size());
    }

    @Test
    void lotsOfKeys() {
        final int numKeys = 1000;
        TreeMap<Long, Long> all = new TreeMap<>();
        List<Map.Entry<byte[], Long>> input = new ArrayList<>();
        for (long idx = 0; idx < numKeys; idx++) {
            long keyInt = 1 + idx * 2;
            input.add(new SimpleEntry<>(u64(keyInt), idx));
            all.put(keyInt, idx);
        }
        TreeImage img = TreeImage.build(8, 0, input);
        DiskBtreeReader r = img.reader(img.memoryReader(), 8);

        for (long search = 0; search < numKeys * 2 + 10; search++) {
            byte[] key = u64(search);
            assertEquals(all.get(search), r.get(key).block(T), "get " + search);

            assertEquals(takeTen(all.tailMap(search, true)), visitTen(r, key, VisitDirection.FORWARDS),
                    "forwards from " + search);
            assertEquals(takeTen(all.headMap(search, true).descendingMap()), visitTen(r, key, VisitDirection.BACKWARDS),
                    "backwards from " + search);
        }
        List<Long> fwd = new ArrayList<>();
        assertTrue(r.visit(u64(0), VisitDirection.FORWARDS, e -> fwd.add(keyInt(e))).block(T));
        assertEquals(new ArrayList<>(all.keySet()), fwd);
        List<Long> back = new ArrayList<>();
        assertTrue(r.visit(u64(-1L), VisitDirection.BACKWARDS, e -> back.add(keyInt(e))).block(T));
        assertEquals(new ArrayList<>(all.descendingKeySet()), back);
    }

    private static List<List<Long>> takeTen(Map<Long, Long> m) {
        return m.entrySet().stream().limit(10).map(e -> List.of(e.getKey(), e.getValue())).toList();
    }

    private static List<List<Long>> visitTen(DiskBtreeReader r, byte[] key, VisitDirection dir) {
        List<List<Long>> out = new ArrayList<>();
        Boolean completed = r.visit(key, dir, e -> {
            out.add(List.of(keyInt(e), e.value()));
            return out.size() < 10;
        }).block(T);
        assertEquals(out.size() < 10, completed, "visit reports whether it ran to the end");
        return out;
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long keyInt(BtreeEntry e) {
        return ByteBuffer.wrap(e.key()).getLong();
    }

    @Test
    void randomData() {
        // exponentially distributed u128 keys exercise the prefix compression
        Random rnd = new Random(0x5EED_D15C);
        TreeMap<BigInteger, Long> all = new TreeMap<>();
        for (int idx = 0; idx < 100_000; idx++) {
            double u = rnd.nextDouble();
            double t = -Math.log(u);
            all.put(BigInteger.valueOf((long) (t * 1_000_000.0)), (long) idx);
        }
        List<Map.Entry<byte[], Long>> input = new ArrayList<>();
        all.forEach((k, v) -> input.add(new SimpleEntry<>(u128(k), v)));
        TreeImage img = TreeImage.build(16, 0, input);
        DiskBtreeReader r = img.reader(img.memoryReader(), 16);

        for (Map.Entry<BigInteger, Long> e : all.entrySet()) {
            assertEquals(e.getValue(), r.get(u128(e.getKey())).block(T));
        }
        for (int i = 0; i < 100_000; i++) {
            BigInteger k = new BigInteger(128, rnd);
            if (i % 2 == 0) {
                k = k.shiftRight(100); // land among the real keys too
            }
            assertEquals(all.get(k), r.get(u128(k)).block(T), "get " + k);
        }
        assertEquals(all.get(BigInteger.ZERO), r.get(new byte[16]).block(T));
        BigInteger max = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
        assertEquals(all.get(max), r.get(u128(max)).block(T));

        long count = r.forward(new byte[16])
                .doOnNext(e -> assertEquals(all.get(new BigInteger(1, e.key())), e.value()))
                .count().block(T);
        assertEquals(all.size(), count);
    }

    static byte[] u128(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[16];
        int n = Math.min(16, raw.length);
        System.arraycopy(raw, raw.length - n, out, 16 - n, n);
        return out;
    }

    @Test
    void unsortedInput() {
        DiskBtreeBuilder b = new DiskBtreeBuilder(2, page -> { });
        b.append(ascii("ba"), 1);
        b.append(ascii("bb"), 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.append(ascii("aa"), 3));
        assertTrue(e.getMessage().contains("key 6161 is <= last key 6262"), e.getMessage());
        // equal keys are rejected too
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> b.append(ascii("bb"), 3));
        assertTrue(dup.getMessage().contains("6262"), dup.getMessage());
    }

    @Test
    void particularData() throws Exception {
        List<Map.Entry<byte[], Long>> data = BtreeLayoutTest.particularData();
        TreeImage img = TreeImage.build(26, 0, data);
        DiskBtreeReader r = img.reader(img.memoryReader(), 26);
        for (Map.Entry<byte[], Long> e : data) {
            assertEquals(e.getValue(), r.get(e.getKey()).block(T));
        }
        int[] count = {0};
        assertTrue(r.visit(new byte[26], VisitDirection.FORWARDS, e -> {
            count[0]++;
            return true;
        }).block(T));
        assertEquals(data.size(), count[0]);
        assertFalse(r.visit(new byte[26], VisitDirection.FORWARDS, e -> false).block(T));
    }
}
