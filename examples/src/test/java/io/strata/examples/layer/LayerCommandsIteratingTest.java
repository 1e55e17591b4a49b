package io.strata.examples.layer;

import static io.strata.examples.layer.LayerCli.F12_LSN;
import static io.strata.examples.layer.LayerCli.F12_NAME;
import static io.strata.examples.layer.LayerCli.F12_RANGE;
import static io.strata.examples.layer.LayerCli.buildDelta;
import static io.strata.examples.layer.LayerCli.buildImage;
import static io.strata.examples.layer.LayerCli.f12Key;
import static io.strata.examples.layer.LayerCli.files;
import static io.strata.examples.layer.LayerCli.imageLine;
import static io.strata.examples.layer.LayerCli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.ShardIdentity;
import io.strata.examples.layer.LayerCli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata layer dump --values} and {@code filter}, which run on the layer iterators and
 * {@code ImageLayerReader.filter}: round trips through the command line and Neon's shard-filter sizes.
 */
class LayerCommandsIteratingTest {
    @TempDir
    Path dir;

    /** Entries of one layer as dump prints them: the input, exactly. */
    private static List<String> values(Result dump) {
        List<String> lines = dump.lines();
        return lines.subList(1, lines.size());
    }

    @Test
    void uncompressedImageLayerRoundTripsByteForByte() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        StringBuilder in = new StringBuilder();
        int key = 0;
        for (int i = 0; i < 3000; i++) {
            key += 1 + rnd.nextInt(3);
            int size = switch (i % 5) {
                case 0 -> 0;                     // a sparse tombstone: the one-byte blob 00
                case 1 -> 8192;                  // a page
                case 2 -> 127;                   // the largest one-byte header
                case 3 -> 128;                   // the smallest four-byte header
                default -> rnd.nextInt(300);
            };
            byte[] image = new byte[size];
            rnd.nextBytes(image);
            in.append(imageLine(f12Key(key), "1/AB", image)).append('\n');
        }
        String range = f12Key(0) + "-" + f12Key(key + 1);
        Path first = Path.of(run(in.toString(), buildImage(range, "1/AB", dir.resolve("a"))).single());

        Result dump = run("layer", "dump", "--values", first.toString()).ok();
        assertEquals(in.toString().lines().toList(), values(dump), "dump --values prints the input back");
        assertEquals("image", dump.json(0).get("kind").asText());

        // The whole dump (summary line included) is build input.
        Path second = Path.of(run(dump.out(), buildImage(range, "1/AB", dir.resolve("b"))).single());
        assertEquals(first.getFileName(), second.getFileName());
        assertEquals(-1, Files.mismatch(first, second), "byte-identical rebuild");
    }

    @Test
    void compressedImageLayerRoundTripsItsValues() throws Exception {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            byte[] page = new byte[8192];
            page[i % 8192] = (byte) i; // compressible
            in.append(imageLine(f12Key(i), F12_LSN, page)).append('\n');
        }
        Path file = Path.of(run(in.toString(), buildImage(F12_RANGE, F12_LSN, dir.resolve("z"), "--compression",
                "zstd")).single());
        assertTrue(Files.size(file) < 500 * 8192 / 10, "pages were compressed: " + Files.size(file));
        Result dump = run("layer", "dump", "--values", file.toString()).ok();
        assertEquals(in.toString().lines().toList(), values(dump));
    }

    @Test
    void deltaLayerRoundTripsByteForByte() throws Exception {
        String range = f12Key(0) + "-" + f12Key(0x100);
        String in = LayerCommandsTest.deltaLines();
        Path first = Path.of(run(in, buildDelta(range, "0/100-0/200", dir.resolve("a"))).single());

        Result dump = run("layer", "dump", "--values", first.toString()).ok();
        assertEquals(in.lines().toList(), values(dump), "dump --values prints the input back");
        assertEquals("delta", dump.json(0).get("kind").asText());

        Path second = Path.of(run(dump.out(), buildDelta(range, "0/100-0/200", dir.resolve("b"))).single());
        assertEquals(first.getFileName(), second.getFileName());
        assertEquals(-1, Files.mismatch(first, second), "byte-identical rebuild");
    }

    @Test
    void format12LayerFiltersIntoFourShardsOfNeonsSizes() throws Exception {
        Path file = Path.of(run(LayerCli.f12Lines(), buildImage(F12_RANGE, F12_LSN, dir.resolve("src"))).single());
        long[] sizes = {49_152, 0, 49_152, 73_728};
        long[] roots = {2, 0, 2, 4};
        int[] keys = {0x800, 0, 0x800, 0x1000};
        for (int shard = 0; shard < 4; shard++) {
            Path out = dir.resolve("shard" + shard);
            Result r = run("layer", "filter", file.toString(), "--shard", shard + "/4/0x800", "--out",
                    out.toString()).ok();
            if (sizes[shard] == 0) {
                assertEquals("shard 1/4/2048 keeps no key of " + file + ": nothing written", r.single());
                assertEquals(List.of(), files(out), "nothing written, no ___temp left");
                continue;
            }
            Path written = Path.of(r.single());
            assertEquals(out.resolve(F12_NAME), written);
            assertEquals(List.of(written), files(out));
            assertEquals(sizes[shard], Files.size(written), "shard " + shard);

            Result dump = run("layer", "dump", "--values", written.toString()).ok();
            JsonNode s = dump.json(0);
            assertEquals(F12_RANGE, s.get("key_range").get("start").asText() + "-"
                    + s.get("key_range").get("end").asText());
            assertEquals(F12_LSN, s.get("lsn").asText());
            assertEquals(roots[shard], s.get("index_root_blk").asLong());
            List<String> values = values(dump);
            assertEquals(keys[shard], values.size());
            ShardIdentity id = ShardIdentity.of(shard, 4, 0x800);
            for (String line : values) {
                JsonNode e = LayerCli.JSON.readTree(line);
                assertTrue(id.isKeyLocal(Key.fromHex(e.get("key").asText())), line);
                assertEquals("AQIDBA==", e.get("value").get("image").asText());
            }
        }
    }
}
