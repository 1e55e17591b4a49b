package io.strata.engine.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Neon's keyspace.rs cases plus algebra checked against a bit-set model over a small key universe. */
class KeySpaceTest {
    /** The universe crosses a field6 -> field5 carry, so "i -> BASE.add(i)" exercises multi-field order. */
    private static final Key BASE = new Key(0, 0x67F, 1, 0xAE, 0, 0xFFFF_FFE0);
    private static final int N = 64;

    private static Key k(int i) {
        return BASE.add(i);
    }

    private static KeyRange kr(int from, int to) {
        return new KeyRange(k(from), k(to));
    }

    /** Neon's tests build keys with Key::from_i128(small int). */
    private static KeyRange ir(long from, long to) {
        return new KeyRange(Key.fromI128(0, from), Key.fromI128(0, to));
    }

    private static BitSet model(KeySpace ks) {
        BitSet b = new BitSet(N);
        for (int i = 0; i < N; i++) {
            if (ks.contains(k(i))) {
                b.set(i);
            }
        }
        return b;
    }

    private static KeySpace randomSpace(Random rnd, BitSet into) {
        KeySpace.Builder builder = KeySpace.builder();
        int n = rnd.nextInt(5);
        for (int r = 0; r < n; r++) {
            int a = rnd.nextInt(N + 1);
            int b = rnd.nextInt(N + 1);
            builder.add(kr(a, b));
            if (a < b) {
                into.set(a, b);
            }
        }
        return builder.build();
    }

    private static void assertNormalized(KeySpace ks) {
        List<KeyRange> rs = ks.ranges();
        for (int i = 0; i < rs.size(); i++) {
            assertFalse(rs.get(i).isEmpty(), ks.toString());
            if (i > 0) {
                assertTrue(rs.get(i - 1).end().compareTo(rs.get(i).start()) < 0, "sorted, disjoint, non-adjacent: " + ks);
            }
        }
    }

    @Test
    void algebraAgainstBitSetModel() {
        Random rnd = new Random(2024);
        for (int iter = 0; iter < 3000; iter++) {
            BitSet ma = new BitSet();
            BitSet mb = new BitSet();
            KeySpace a = randomSpace(rnd, ma);
            KeySpace b = randomSpace(rnd, mb);
            assertNormalized(a);
            assertEquals(ma, model(a));
            assertEquals(ma.isEmpty(), a.isEmpty());

            BitSet union = (BitSet) ma.clone();
            union.or(mb);
            KeySpace u = a.union(b);
            assertNormalized(u);
            assertEquals(union, model(u));

            BitSet inter = (BitSet) ma.clone();
            inter.and(mb);
            KeySpace in = a.intersect(b);
            assertNormalized(in);
            assertEquals(inter, model(in));
            assertEquals(in, b.intersect(a));

            BitSet diff = (BitSet) ma.clone();
            diff.andNot(mb);
            KeySpace d = a.subtract(b);
            assertNormalized(d);
            assertEquals(diff, model(d), a + " - " + b);
            assertEquals(a, d.union(in), "removed + remaining = original");

            if (ma.intersects(mb)) {
                assertThrows(IllegalArgumentException.class, () -> a.merge(b));
            } else {
                assertEquals(u, a.merge(b));
            }

            int from = rnd.nextInt(N + 1);
            int to = rnd.nextInt(N + 1);
            boolean expectOverlap = from < to && !ma.get(from, to).isEmpty();
            if (from >= to) {
                // Neon's test is r.start < q.end && q.start < r.end even for empty queries: true when one
                // range covers keys to-1 ..= from
                expectOverlap = to > 0 && from < N && ma.get(to - 1, from + 1).cardinality() == from - to + 2;
            }
            assertEquals(expectOverlap, a.overlaps(kr(from, to)), a + " overlaps " + kr(from, to));

            assertEquals(ma.isEmpty() ? Optional.empty() : Optional.of(k(ma.nextSetBit(0))), a.start());
            assertEquals(ma.isEmpty() ? Optional.empty() : Optional.of(k(ma.length())), a.end());
        }
    }

    @Test
    void builderMergesAdjacentAndOverlapping() {
        assertEquals(List.of(ir(0, 10), ir(20, 30)), KeySpace.of(ir(0, 10), ir(20, 30)).ranges());
        assertEquals(List.of(ir(0, 10), ir(20, 30)), KeySpace.of(ir(20, 30), ir(0, 10)).ranges());
        assertEquals(List.of(ir(0, 30)), KeySpace.of(ir(20, 30), ir(0, 10), ir(0, 10), ir(10, 30)).ranges());
        assertEquals(List.of(ir(0, 30)), KeySpace.of(ir(10, 30), ir(0, 10)).ranges());
        assertEquals(List.of(ir(0, 30)), KeySpace.of(ir(0, 10), ir(5, 30)).ranges());
        assertEquals(List.of(ir(0, 30)), KeySpace.of(ir(5, 30), ir(0, 10)).ranges());
        assertEquals(List.of(ir(0, 30)), KeySpace.of(ir(0, 30), ir(10, 20)).ranges());
        assertEquals(List.of(ir(0, 30)), KeySpace.of(ir(10, 20), ir(0, 30)).ranges());
        assertEquals(List.of(ir(0, 30)), KeySpace.of(ir(0, 10), ir(20, 30), ir(5, 25)).ranges());
        assertEquals(List.of(ir(0, 2)), KeySpace.builder().add(Key.fromI128(0, 1)).add(Key.fromI128(0, 0)).build().ranges());
    }

    @Test
    void neonOverlapsCases() {
        KeySpace ks = KeySpace.of(ir(10, 20), ir(30, 40));
        assertFalse(ks.overlaps(ir(0, 5)));
        assertFalse(ks.overlaps(ir(5, 9)));
        assertFalse(ks.overlaps(ir(5, 10)));
        assertTrue(ks.overlaps(ir(5, 11)));
        assertTrue(ks.overlaps(ir(10, 15)));
        assertTrue(ks.overlaps(ir(15, 20)));
        assertTrue(ks.overlaps(ir(15, 25)));
        assertFalse(ks.overlaps(ir(22, 28)));
        assertFalse(ks.overlaps(ir(25, 30)));
        assertTrue(ks.overlaps(ir(35, 35)));
        assertFalse(ks.overlaps(ir(40, 45)));
        assertFalse(ks.overlaps(ir(45, 50)));
        assertTrue(ks.overlaps(ir(0, 30)));
    }

    @Test
    void neonRemoveOverlappingCases() {
        KeySpace a = KeySpace.of(ir(1, 4), ir(5, 8), ir(10, 12));
        KeySpace b = KeySpace.of(ir(2, 3), ir(6, 7), ir(11, 13));
        assertEquals(KeySpace.of(ir(2, 3), ir(6, 7), ir(11, 12)), a.intersect(b));
        assertEquals(List.of(ir(1, 2), ir(3, 4), ir(5, 6), ir(7, 8), ir(10, 11)), a.subtract(b).ranges());

        a = KeySpace.of(ir(1, 5), ir(7, 10), ir(12, 15));
        b = KeySpace.of(ir(3, 6), ir(8, 11), ir(14, 17));
        assertEquals(List.of(ir(3, 5), ir(8, 10), ir(14, 15)), a.intersect(b).ranges());
        assertEquals(List.of(ir(1, 3), ir(7, 8), ir(12, 14)), a.subtract(b).ranges());

        b = KeySpace.of(ir(6, 7), ir(11, 12), ir(15, 17));
        assertTrue(a.intersect(b).isEmpty());
        assertEquals(a, a.subtract(b));

        // Neon keeps 1..3, 3..6, 6..9 apart; normalized it is one range
        a = KeySpace.of(ir(1, 3), ir(3, 6), ir(6, 10), ir(12, 15), ir(17, 20), ir(20, 30), ir(30, 40));
        b = KeySpace.single(ir(9, 19));
        assertEquals(List.of(ir(9, 10), ir(12, 15), ir(17, 19)), a.intersect(b).ranges());
        assertEquals(List.of(ir(1, 9), ir(19, 40)), a.subtract(b).ranges());
    }

    @Test
    void totalRawSizeUsesNeonRangeSize() {
        assertEquals(10 + 15 + 5, KeySpace.of(ir(0, 10), ir(20, 35), ir(40, 45)).totalRawSize());
        // spanning relations counts as u32::MAX
        KeySpace wide = KeySpace.single(new KeyRange(Key.fromHex("000000067F00000005000040100300000000"),
                Key.fromHex("000000067F00000005000040130000004000")));
        assertEquals(0xFFFF_FFFFL, wide.totalRawSize());
        assertEquals(0xFFFF_FFFFL + 3, wide.union(KeySpace.single(ir(0, 3))).totalRawSize());
        assertEquals(0, KeySpace.empty().totalRawSize());
    }

    @Test
    void containsAtEdges() {
        KeySpace ks = KeySpace.of(new KeyRange(Key.MIN, k(0)), new KeyRange(k(5), Key.MAX));
        assertTrue(ks.contains(Key.MIN));
        assertFalse(ks.contains(k(0)));
        assertTrue(ks.contains(k(5)));
        assertFalse(ks.contains(Key.MAX));
        assertTrue(ks.contains(new Key(0xFF, -1, -1, -1, 0xFF, -2)));
    }

    @Test
    void displayForm() {
        assertEquals("[000000000000000000000000000000000001..000000000000000000000000000000000003,]",
                KeySpace.single(ir(1, 3)).toString());
    }
}
