package io.strata.engine.read;

import static io.strata.engine.read.ReadTestKit.append;
import static io.strata.engine.read.ReadTestKit.bytes;
import static io.strata.engine.read.ReadTestKit.init;
import static io.strata.engine.read.ReadTestKit.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Neon's read-path tests over real layer files (tenant.rs {@code test_vectored_*}). */
class ReadPathTest {
    @TempDir
    Path dir;
    ReadTestKit kit;

    @BeforeEach
    void setUp() {
        kit = new ReadTestKit(dir);
    }

    @AfterEach
    void tearDown() {
        kit.close();
    }

    static Key key(int id) {
        Key k = Key.fromHex("110000000033333333444444445500000000");
        return new Key(k.field1(), k.field2(), k.field3(), k.field4(), k.field5(), id);
    }

    /** Neon's {@code test_img}: the text padded with zeros to 64 bytes. */
    static byte[] testImg(String s) {
        return Arrays.copyOf(bytes(s), 64);
    }

    static Map<Key, String> read(Timeline t, KeySpace keys, Lsn lsn) {
        Map<Key, String> out = new LinkedHashMap<>();
        t.getVectored(keys, lsn).toIterable().forEach(p -> out.put(p.key(), string(p.bytes())));
        return out;
    }

    /** Neon's image layer contents of these tests: {@code "value i@lsn"} for keys {@code [from, to)}. */
    private static TreeMap<Key, byte[]> images(int from, int to, Lsn lsn, Map<Key, String> expected) {
        TreeMap<Key, byte[]> pages = new TreeMap<>();
        for (int i = from; i < to; i++) {
            String v = "value " + i + "@" + lsn;
            expected.put(key(i), v);
            pages.put(key(i), bytes(v));
        }
        return pages;
    }

    /** {@code test_vectored_read_with_nested_image_layer}: an image layer inside a delta layer's LSN range. */
    @ParameterizedTest
    @EnumSource(IoConcurrency.class)
    void nestedImageLayerInsideADelta(IoConcurrency io) {
        List<Integer> willInitKeys = List.of(2, 6);
        Map<Key, String> expected = new HashMap<>();
        Lsn baseLsn = Lsn.of(0x10);
        TreeMap<Key, byte[]> base = images(0, 5, baseLsn, expected);
        Lsn nestedLsn = Lsn.of(0x50);
        TreeMap<Key, byte[]> nested = images(5, 10, nestedLsn, expected);
        List<LayerEntry> delta = new ArrayList<>();
        Lsn deltaStart = Lsn.of(0x20);
        Lsn deltaEnd = deltaStart;
        for (int i = 0; i < 10; i++) {
            Key k = key(i);
            Lsn lsn = nested.containsKey(k) ? Lsn.of(nestedLsn.value() + 0x10) : deltaStart;
            if (willInitKeys.contains(i)) {
                delta.add(new LayerEntry(k, lsn, init("")));
                expected.put(k, "");
            } else {
                String d = "@" + lsn;
                delta.add(new LayerEntry(k, lsn, append(d)));
                expected.put(k, expected.get(k) + d);
            }
            deltaEnd = deltaEnd.compareTo(lsn) > 0 ? deltaEnd : lsn;
        }
        deltaEnd = deltaEnd.add(1);
        assertTrue(nestedLsn.compareTo(deltaStart) > 0 && nestedLsn.compareTo(deltaEnd) < 0);
        kit.delta(deltaStart, deltaEnd, delta);
        kit.image(baseLsn, base);
        kit.image(nestedLsn, nested);
        Timeline t = kit.timeline(ReadOptions.DEFAULT.withIoConcurrency(io));

        Map<Key, String> got = read(t, KeySpace.single(new KeyRange(key(0), key(10))), deltaEnd);
        assertEquals(new TreeMap<>(expected), new TreeMap<>(got));
        assertEquals(List.copyOf(new TreeMap<>(expected).keySet()), List.copyOf(got.keySet()), "key order");
    }

    /** {@code test_vectored_read_with_image_layer_inside_inmem}: an image layer inside a frozen in-memory layer. */
    @ParameterizedTest
    @EnumSource(IoConcurrency.class)
    void imageLayerInsideAnInMemoryLayer(IoConcurrency io) {
        List<Integer> willInitKeys = List.of(2, 6);
        Map<Key, String> expected = new HashMap<>();
        TreeMap<Key, byte[]> base = images(0, 5, Lsn.of(0x10), expected);
        Lsn nestedLsn = Lsn.of(0x50);
        TreeMap<Key, byte[]> nested = images(5, 10, nestedLsn, expected);
        List<LayerEntry> frozen = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Key k = key(i);
            Lsn lsn = nested.containsKey(k) ? Lsn.of(nestedLsn.value() + 5) : Lsn.of(0x40);
            if (willInitKeys.contains(i)) {
                frozen.add(new LayerEntry(k, lsn, init("")));
                expected.put(k, "");
            } else {
                String d = "@" + lsn;
                frozen.add(new LayerEntry(k, lsn, append(d)));
                expected.put(k, expected.get(k) + d);
            }
        }
        List<LayerEntry> open = new ArrayList<>();
        Lsn lastRecordLsn = Lsn.INVALID;
        for (int i = 0; i < 10; i++) {
            Lsn lsn = Lsn.of(0x70 + i);
            String d = "@" + lsn;
            open.add(new LayerEntry(key(i), lsn, append(d)));
            expected.put(key(i), expected.get(key(i)) + d);
            lastRecordLsn = lsn;
        }
        kit.inMemory(Lsn.of(0x40), Lsn.of(0x60), frozen);
        kit.inMemory(Lsn.of(0x70), Lsn.MAX, open);
        kit.image(Lsn.of(0x10), base);
        kit.image(nestedLsn, nested);
        Timeline t = kit.timeline(ReadOptions.DEFAULT.withIoConcurrency(io));

        Map<Key, String> got = read(t, KeySpace.single(new KeyRange(key(0), key(10))), lastRecordLsn);
        assertEquals(new TreeMap<>(expected), new TreeMap<>(got));
    }

    /** {@code test_vectored_missing_data_key_reads}: missing dense keys fail, on a branch too. */
    @Test
    void missingDenseKeysFailNamingKeyAndLsn() {
        Key baseKey = Key.fromHex("000000000033333333444444445500000000");
        Key childKey = Key.fromHex("000000000033333333444444445500000001");
        Key nonexist = Key.fromHex("000000000033333333444444445500000002");
        PersistentLayer parentImage = kit.image(Lsn.of(0x20), new TreeMap<>(Map.of(baseKey, testImg("data key 1"))));
        Timeline parent = kit.timeline(List.of(parentImage));
        PersistentLayer childImage = kit.image(Lsn.of(0x30), new TreeMap<>(Map.of(childKey, testImg("data key 2"))));
        Timeline child = kit.child(parent, Lsn.of(0x20), List.of(childImage));
        Lsn lsn = Lsn.of(0x30);

        assertArrayEquals(testImg("data key 1"), parent.get(baseKey, lsn).block(LayerTestSupport.T));
        MissingKeyException e = assertThrows(MissingKeyException.class,
                () -> parent.get(childKey, lsn).block(LayerTestSupport.T));
        assertTrue(e.getMessage().contains(childKey.toString()) && e.getMessage().contains(lsn.toString()),
                e.getMessage());
        assertTrue(e.getMessage().contains("layers visited: none"), e.getMessage());
        assertThrows(MissingKeyException.class, () -> parent.get(nonexist, lsn).block(LayerTestSupport.T));
        // A key inside an image layer's range that the layer does not hold: the error names the layer.
        PersistentLayer wide = kit.image(new KeyRange(baseKey, nonexist.next()), Lsn.of(0x20),
                new TreeMap<>(Map.of(baseKey, testImg("data key 1"))));
        MissingKeyException inWide = assertThrows(MissingKeyException.class,
                () -> kit.timeline(List.of(wide)).get(nonexist, lsn).block(LayerTestSupport.T));
        assertTrue(inWide.getMessage().contains(wide.describe()), inWide.getMessage());

        assertArrayEquals(testImg("data key 1"), child.get(baseKey, lsn).block(LayerTestSupport.T));
        assertArrayEquals(testImg("data key 2"), child.get(childKey, lsn).block(LayerTestSupport.T));
        assertThrows(MissingKeyException.class, () -> child.get(nonexist, lsn).block(LayerTestSupport.T));
    }

    /** {@code test_vectored_missing_metadata_key_reads}: missing sparse keys are absent; only 0x61 is inherited. */
    @Test
    void missingSparseKeysAreAbsentAndOnlyRelSizeKeysAreInherited() {
        Key baseKey = Key.fromHex("620000000033333333444444445500000000");
        Key baseKeyChild = Key.fromHex("620000000033333333444444445500000001");
        Key baseKeyNonexist = Key.fromHex("620000000033333333444444445500000002");
        Key baseKeyOverwrite = Key.fromHex("620000000033333333444444445500000003");
        Key inherited = Key.fromHex("610000000033333333444444445500000000");
        Key inheritedChild = Key.fromHex("610000000033333333444444445500000001");
        Key inheritedNonexist = Key.fromHex("610000000033333333444444445500000002");
        Key inheritedOverwrite = Key.fromHex("610000000033333333444444445500000003");

        TreeMap<Key, byte[]> parentPages = new TreeMap<>();
        parentPages.put(inherited, testImg("metadata inherited key 1"));
        parentPages.put(inheritedOverwrite, testImg("metadata key overwrite 1a"));
        parentPages.put(baseKey, testImg("metadata key 1"));
        parentPages.put(baseKeyOverwrite, testImg("metadata key overwrite 1b"));
        Timeline parent = kit.timeline(List.of(kit.image(Lsn.of(0x20), parentPages)));
        TreeMap<Key, byte[]> childPages = new TreeMap<>();
        childPages.put(inheritedChild, testImg("metadata inherited key 2"));
        childPages.put(inheritedOverwrite, testImg("metadata key overwrite 2a"));
        childPages.put(baseKeyChild, testImg("metadata key 2"));
        childPages.put(baseKeyOverwrite, testImg("metadata key overwrite 2b"));
        Timeline child = kit.child(parent, Lsn.of(0x20), List.of(kit.image(Lsn.of(0x30), childPages)));
        Lsn lsn = Lsn.of(0x30);

        assertEquals(Optional.of("metadata key 1"), one(parent, baseKey, lsn));
        assertEquals(Optional.empty(), one(parent, baseKeyChild, lsn));
        assertEquals(Optional.empty(), one(parent, baseKeyNonexist, lsn));
        assertEquals(Optional.of("metadata key overwrite 1b"), one(parent, baseKeyOverwrite, lsn));
        assertEquals(Optional.of("metadata inherited key 1"), one(parent, inherited, lsn));
        assertEquals(Optional.empty(), one(parent, inheritedChild, lsn));
        assertEquals(Optional.empty(), one(parent, inheritedNonexist, lsn));
        assertEquals(Optional.of("metadata key overwrite 1a"), one(parent, inheritedOverwrite, lsn));

        assertEquals(Optional.empty(), one(child, baseKey, lsn));
        assertEquals(Optional.of("metadata key 2"), one(child, baseKeyChild, lsn));
        assertEquals(Optional.empty(), one(child, baseKeyNonexist, lsn));
        assertEquals(Optional.of("metadata inherited key 1"), one(child, inherited, lsn));
        assertEquals(Optional.of("metadata inherited key 2"), one(child, inheritedChild, lsn));
        assertEquals(Optional.empty(), one(child, inheritedNonexist, lsn));
        assertEquals(Optional.of("metadata key overwrite 2b"), one(child, baseKeyOverwrite, lsn));
        assertEquals(Optional.of("metadata key overwrite 2a"), one(child, inheritedOverwrite, lsn));

        KeySpace metadata = KeySpace.single(GetVectored.SPARSE_RANGE);
        assertEquals(List.of(inherited, inheritedOverwrite, baseKey, baseKeyOverwrite),
                List.copyOf(read(parent, metadata, lsn).keySet()));
        Map<Key, String> childScan = read(child, metadata, lsn);
        assertEquals(List.of(inherited, inheritedChild, inheritedOverwrite, baseKeyChild, baseKeyOverwrite),
                List.copyOf(childScan.keySet()));
        assertEquals("metadata key overwrite 2a", trim(childScan.get(inheritedOverwrite)));
    }

    private static Optional<String> one(Timeline t, Key key, Lsn lsn) {
        return t.getVectored(KeySpace.single(KeyRange.singleton(key)), lsn).collectList()
                .block(LayerTestSupport.T).stream().map(p -> {
                    assertEquals(key, p.key());
                    return trim(string(p.bytes()));
                }).findFirst();
    }

    private static String trim(String padded) {
        int end = padded.indexOf('\0');
        return end < 0 ? padded : padded.substring(0, end);
    }

    /** A batch whose keys are at different LSNs reads each key at its own LSN in one descent. */
    @Test
    void batchWithMixedLsns() {
        TreeMap<Key, byte[]> base = new TreeMap<>();
        for (int i = 0; i < 8; i++) {
            base.put(key(i), bytes("img" + i));
        }
        kit.image(Lsn.of(0x10), base);
        List<LayerEntry> delta = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            for (long lsn = 0x20; lsn <= 0x50; lsn += 0x10) {
                delta.add(new LayerEntry(key(i), Lsn.of(lsn), append("+" + Long.toHexString(lsn))));
            }
        }
        kit.delta(Lsn.of(0x20), Lsn.of(0x51), delta);
        ReadStats stats = new ReadStats();
        Timeline t = kit.timeline(ReadOptions.DEFAULT.withMetrics(stats));
        List<KeySpaceQuery.Part> parts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            parts.add(new KeySpaceQuery.Part(Lsn.of(0x10 + 0x10L * (i % 5)), KeySpace.single(KeyRange.singleton(key(i)))));
        }
        List<Page> pages = t.getVectored(KeySpaceQuery.scattered(parts)).collectList().block(LayerTestSupport.T);
        assertEquals(8, pages.size());
        for (int i = 0; i < 8; i++) {
            StringBuilder want = new StringBuilder("img" + i);
            for (long lsn = 0x20; lsn <= 0x10 + 0x10L * (i % 5); lsn += 0x10) {
                want.append("+").append(Long.toHexString(lsn));
            }
            assertEquals(key(i), pages.get(i).key());
            assertEquals(want.toString(), string(pages.get(i).bytes()), "key " + i);
        }
        ReadStats.Snapshot s = stats.snapshot();
        assertEquals(1, s.layersVisited().count(), "one get");
        assertEquals(2, s.layersVisited().max(), "each layer visited once for the whole batch");
        // Key i at 0x10 + 0x10 * (i % 5) needs its image and i % 5 records: 8 + (0+1+2+3+4+0+1+2).
        assertEquals(21, s.ios().max(), "one IO per value needed");
    }

    @Test
    void queryRejectsAKeyAtTwoLsnsAndInvalidLsns() {
        KeySpace k = KeySpace.single(KeyRange.singleton(key(1)));
        assertThrows(IllegalArgumentException.class, () -> KeySpaceQuery.scattered(List.of(
                new KeySpaceQuery.Part(Lsn.of(0x10), k), new KeySpaceQuery.Part(Lsn.of(0x20), k))));
        assertThrows(IllegalArgumentException.class, () -> KeySpaceQuery.uniform(k, Lsn.INVALID));
        assertThrows(IllegalArgumentException.class, () -> KeySpaceQuery.uniform(k, Lsn.MAX));
    }

    /** A record the redo refuses fails the page with an error naming the key and the LSN read. */
    @Test
    void redoErrorsNameKeyAndLsn() {
        Value conditional = new Value.WalRecord(new NeonWalRecord.Test("x", false, false, Optional.of("zzz")));
        kit.delta(Lsn.of(0x20), Lsn.of(0x30), List.of(new LayerEntry(key(3), Lsn.of(0x20), init("a")),
                new LayerEntry(key(3), Lsn.of(0x21), conditional)));
        Timeline t = kit.timeline();
        assertEquals("a", string(t.get(key(3), Lsn.of(0x20)).block(LayerTestSupport.T)));
        PageReconstructException e = assertThrows(PageReconstructException.class,
                () -> t.get(key(3), Lsn.of(0x25)).block(LayerTestSupport.T));
        assertTrue(e.getMessage().contains(key(3).toString()) && e.getMessage().contains(Lsn.of(0x25).toString()),
                e.getMessage());
    }
}
