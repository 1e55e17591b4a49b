package io.strata.engine.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.AbstractMap.SimpleEntry;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Byte-level layout checks against FORMAT.md 12 (worked example) and 13 (derived B-tree cases). */
class BtreeLayoutTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] REL_BASE = HEX.parseHex("000000067F00000001000000AE0000000000");

    /** The worked example's key with field6 = {@code field6}. */
    static byte[] imageKey(int field6) {
        byte[] k = REL_BASE.clone();
        k[14] = (byte) (field6 >>> 24);
        k[15] = (byte) (field6 >>> 16);
        k[16] = (byte) (field6 >>> 8);
        k[17] = (byte) field6;
        return k;
    }

    /** Keys with the given field6 values; values are the blob offsets 8192 + 5*i of 5-byte blobs. */
    static List<Map.Entry<byte[], Long>> imageEntries(IntStream field6s) {
        List<Map.Entry<byte[], Long>> out = new ArrayList<>();
        field6s.forEach(f -> out.add(new SimpleEntry<>(imageKey(f), 8192L + 5L * out.size())));
        return out;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | b[off + 1] & 0xFF;
    }

    @Test
    void workedExampleImageLayerIndex() {
        // 8192 5-byte blobs end at 8192 + 40960 = 49152: index_start_blk 6.
        TreeImage img = TreeImage.build(18, 6, imageEntries(IntStream.range(0, 0x2000)));
        assertEquals(new BuiltTree(8, 9), img.tree());
        assertEquals(122_880, img.file().length, "file size of Neon's image_layer_rewrite layer");

        for (int leaf = 0; leaf < 7; leaf++) {
            byte[] b = img.block(leaf);
            assertEquals(1167, u16(b, 0));
            assertArrayEquals(new byte[] {0, 0x10, 0x02}, Arrays.copyOfRange(b, 2, 5));
        }
        byte[] last = img.block(7);
        assertArrayEquals(HEX.parseHex("0017" + "00" + "00" + "12"), Arrays.copyOfRange(last, 0, 5));
        int used = 5 + 23 * 23;
        assertEquals(534, used);
        assertArrayEquals(imageKey(0x1FE9), Arrays.copyOfRange(last, 5, 23));
        assertArrayEquals(HEX.parseHex(String.format("%010x", 8192L + 5 * 8191)), Arrays.copyOfRange(last, used - 5, used),
                "last value: offset of the last blob");
        assertArrayEquals(new byte[8192 - used], Arrays.copyOfRange(last, used, 8192), "zero padding");

        byte[] first = img.block(0);
        byte[] expectedStart = HEX.parseHex("048F" + "00" + "10" + "02" + "000000067F00000001000000AE000000"
                + "0000" + "0001" + "0002");
        assertArrayEquals(expectedStart, Arrays.copyOf(first, expectedStart.length));
        int values = 5 + 16 + 1167 * 2;
        assertArrayEquals(HEX.parseHex("0000002000" + "0000002005" + "000000200A"),
                Arrays.copyOfRange(first, values, values + 15));
        assertEquals(8190, values + 1167 * 5, "a full compressed leaf uses 8190 bytes");

        StringBuilder root = new StringBuilder("0008" + "01" + "00" + "12");
        for (int f : new int[] {0x0000, 0x048F, 0x091E, 0x0DAD, 0x123C, 0x16CB, 0x1B5A, 0x1FE9}) {
            root.append(HEX.formatHex(imageKey(f)));
        }
        for (int i = 0; i < 8; i++) {
            root.append("80").append(String.format("%08x", i)); // child blocks are relative to index_start_blk
        }
        byte[] expectedRoot = Arrays.copyOf(HEX.parseHex(root.toString()), 8192);
        assertArrayEquals(expectedRoot, img.block(8));
        assertArrayEquals(expectedRoot, Arrays.copyOfRange(img.file(), (6 + 8) * 8192, (6 + 9) * 8192),
                "root is the last block of the file");
    }

    @Test
    void workedExampleShards() {
        // shard 0 / shard 2: one 0x800 stripe; shard 3: stripes 1 and 3 (FORMAT 12.3)
        TreeImage s0 = TreeImage.build(18, 3, imageEntries(IntStream.range(0, 0x800)));
        assertEquals(new BuiltTree(2, 3), s0.tree());
        assertEquals(49_152, s0.file().length);
        assertEquals(1167, u16(s0.block(0), 0));
        assertEquals(881, u16(s0.block(1), 0));

        TreeImage s2 = TreeImage.build(18, 3, imageEntries(IntStream.range(0x1000, 0x1800)));
        assertEquals(new BuiltTree(2, 3), s2.tree());

        TreeImage s3 = TreeImage.build(18, 4,
                imageEntries(IntStream.concat(IntStream.range(0x800, 0x1000), IntStream.range(0x1800, 0x2000))));
        assertEquals(new BuiltTree(4, 5), s3.tree());
        assertEquals(73_728, s3.file().length);
        assertEquals(List.of(1167, 1167, 1167, 595),
                IntStream.range(0, 4).mapToObj(i -> u16(s3.block(i), 0)).toList());
    }

    @Test
    void basicIsOneUncompressedLeaf() {
        TreeImage img = TreeImage.build(6, 0, NeonDiskBtreeTest.basicEntries());
        assertEquals(new BuiltTree(0, 1), img.tree());
        byte[] b = img.block(0);
        assertArrayEquals(HEX.parseHex("0008000006"), Arrays.copyOf(b, 5));
        assertArrayEquals("xaaaaa".getBytes(StandardCharsets.US_ASCII), Arrays.copyOfRange(b, 5, 11));
        int values = 5 + 8 * 6;
        assertArrayEquals(HEX.parseHex("0000000000" + "0000000001"), Arrays.copyOfRange(b, values, values + 10));
    }

    @Test
    void particularDataBuildsFiveBlocks() throws IOException {
        TreeImage img = TreeImage.build(26, 0, particularData());
        assertEquals(new BuiltTree(4, 5), img.tree());
        int[] counts = {509, 531, 505, 455};
        for (int i = 0; i < 4; i++) {
            byte[] b = img.block(i);
            assertEquals(counts[i], u16(b, 0), "entries of leaf " + i);
            assertEquals(0, b[2], "level of leaf " + i);
            assertEquals(17, b[3], "prefix_len of leaf " + i);
            assertEquals(9, b[4], "suffix_len of leaf " + i);
        }
        byte[] root = img.block(4);
        assertArrayEquals(HEX.parseHex("0004" + "01" + "00" + "1a"), Arrays.copyOf(root, 5));
    }

    /** Neon's disk_btree_test_data.rs TEST_DATA. */
    static List<Map.Entry<byte[], Long>> particularData() throws IOException {
        List<Map.Entry<byte[], Long>> out = new ArrayList<>();
        try (var in = BtreeLayoutTest.class.getResourceAsStream("particular_data.txt");
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                out.add(new SimpleEntry<>(HEX.parseHex(parts[0]), Long.parseLong(parts[1], 16)));
            }
        }
        assertEquals(2000, out.size());
        return out;
    }
}
