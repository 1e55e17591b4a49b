package io.strata.examples.layer;

import static io.strata.examples.layer.LayerCli.F12_LSN;
import static io.strata.examples.layer.LayerCli.F12_NAME;
import static io.strata.examples.layer.LayerCli.F12_RANGE;
import static io.strata.examples.layer.LayerCli.TENANT;
import static io.strata.examples.layer.LayerCli.TIMELINE;
import static io.strata.examples.layer.LayerCli.buildDelta;
import static io.strata.examples.layer.LayerCli.buildImage;
import static io.strata.examples.layer.LayerCli.f12Key;
import static io.strata.examples.layer.LayerCli.files;
import static io.strata.examples.layer.LayerCli.imageLine;
import static io.strata.examples.layer.LayerCli.run;
import static io.strata.examples.layer.LayerCli.valueLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerFormat;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.examples.layer.LayerCli.Result;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata layer}: everything that does not need the layer iterators or {@code filter}. */
class LayerCommandsTest {
    private static final String DELTA_RANGE = "000000067F00000001000000AE0000000000-000000067F00000001000000AF0000000000";

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ build + dump summary

    @Test
    void format12LayerIsExactly122880BytesNamedAsNeonNamesIt() throws Exception {
        Path out = dir.resolve("out");
        Path file = Path.of(run(LayerCli.f12Lines(), buildImage(F12_RANGE, F12_LSN, out)).single());
        assertEquals(out.resolve(F12_NAME), file);
        assertEquals(122_880, Files.size(file));
        assertEquals(List.of(file), files(out), "only the finished file, no ___temp");

        // Block 0 is FORMAT 12's summary byte for byte.
        byte[] block0 = Arrays.copyOf(Files.readAllBytes(file), LayerFormat.PAGE_SZ);
        assertEquals("5a600003" + TENANT + TIMELINE + "000000067f00000001000000ae0000000000"
                        + "000000067f00000001000000ae0000002000" + "0000deadbeef0000" + "00000006" + "00000008",
                HexFormat.of().formatHex(block0, 0, 88));
        assertTrue(Arrays.equals(new byte[LayerFormat.PAGE_SZ - 88], Arrays.copyOfRange(block0, 88,
                LayerFormat.PAGE_SZ)), "zeros after the summary");

        JsonNode s = run("layer", "dump", file.toString()).ok().json(0);
        assertEquals(6, s.get("index_start_blk").asLong());
        assertEquals(8, s.get("index_root_blk").asLong());
    }

    @Test
    void generationSuffixesTheName() throws Exception {
        Path out = dir.resolve("out");
        Path file = Path.of(run(LayerCli.f12Lines(), buildImage(F12_RANGE, F12_LSN, out, "--generation",
                "0000002a")).single());
        assertEquals(F12_NAME + "-v1-0000002a", file.getFileName().toString());
        assertEquals(122_880, Files.size(file));
    }

    @Test
    void buildsAnImageLayerAndDumpsItsSummary() throws Exception {
        Path out = dir.resolve("img");
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            in.append(imageLine(f12Key(3 * i), "1/A", new byte[8192])).append('\n');
        }
        String range = f12Key(0) + "-" + f12Key(0x1000);
        Path file = Path.of(run(in.toString(), buildImage(range, "1/A", out, "--compression", "zstd(3)")).single());
        assertEquals(range + "__000000010000000A", file.getFileName().toString());
        assertTrue(Files.size(file) < 300 * 8192 / 10, "zero pages compress: " + Files.size(file));

        Result dump = run("layer", "dump", file.toString()).ok();
        assertEquals(1, dump.lines().size(), dump.out());
        JsonNode s = dump.json(0);
        assertEquals(List.of("kind", "magic", "format_version", "tenant_id", "timeline_id", "key_range", "lsn",
                "index_start_blk", "index_root_blk"), fieldNames(s));
        assertEquals("image", s.get("kind").asText());
        assertEquals(0x5A60, s.get("magic").asInt());
        assertEquals(3, s.get("format_version").asInt());
        assertEquals(TENANT, s.get("tenant_id").asText());
        assertEquals(TIMELINE, s.get("timeline_id").asText());
        assertEquals(f12Key(0), s.get("key_range").get("start").asText());
        assertEquals(f12Key(0x1000), s.get("key_range").get("end").asText());
        assertEquals("1/A", s.get("lsn").asText());
        long indexStart = s.get("index_start_blk").asLong();
        long root = s.get("index_root_blk").asLong();
        assertEquals(Files.size(file), (indexStart + root + 1) * LayerFormat.PAGE_SZ, "the root is the last block");
    }

    @Test
    void buildsADeltaLayerAndDumpsItsSummary() throws Exception {
        Path out = dir.resolve("delta");
        Path file = Path.of(run(deltaLines(), buildDelta(DELTA_RANGE, "0/100-0/200", out, "--generation",
                "00000007")).single());
        assertEquals(DELTA_RANGE + "__0000000000000100-0000000000000200-v1-00000007",
                file.getFileName().toString());
        assertEquals(List.of(file), files(out));

        JsonNode s = run("layer", "dump", file.toString()).ok().json(0);
        assertEquals(List.of("kind", "magic", "format_version", "tenant_id", "timeline_id", "key_range",
                "lsn_range", "index_start_blk", "index_root_blk"), fieldNames(s));
        assertEquals("delta", s.get("kind").asText());
        assertEquals(0x5A61, s.get("magic").asInt());
        assertEquals(3, s.get("format_version").asInt());
        assertEquals(TENANT, s.get("tenant_id").asText());
        assertEquals(TIMELINE, s.get("timeline_id").asText());
        assertEquals(DELTA_RANGE, s.get("key_range").get("start").asText() + "-"
                + s.get("key_range").get("end").asText());
        assertEquals("0/100", s.get("lsn_range").get("start").asText());
        assertEquals("0/200", s.get("lsn_range").get("end").asText());
        assertTrue(s.get("index_start_blk").asLong() >= 2, "values of more than 64 KiB: " + s);
    }

    @Test
    void kindComesFromTheMagicNotTheName() throws Exception {
        Path out = dir.resolve("out");
        Path file = Path.of(run(deltaLines(), buildDelta(DELTA_RANGE, "0/100-0/200", out)).single());
        Path disguised = Files.copy(file, dir.resolve(F12_NAME));
        assertEquals("delta", run("layer", "dump", disguised.toString()).ok().json(0).get("kind").asText());
    }

    @Test
    void buildAcceptsDumpsSummaryLineOfTheSameKind() throws Exception {
        String summary = "{\"kind\":\"image\",\"magic\":23136}\n";
        String lines = summary + imageLine(f12Key(1), F12_LSN, new byte[] {7}) + "\n";
        run(lines, buildImage(F12_RANGE, F12_LSN, dir.resolve("a"))).single();

        Path out = dir.resolve("b");
        Result r = run(lines, buildDelta(F12_RANGE, "0/1-0/2", out));
        assertError(r, "strata: stdin line 1: the summary line is of a image layer, but --kind is delta");
        assertEquals(List.of(), files(out));
    }

    // ------------------------------------------------------------------ build: bad input

    /** A bad line after 1000 good ones (more than 64 KiB of values, so the temporary file has been written to). */
    private void assertBadImageInput(String badLine, String expectedError) {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            in.append(imageLine(f12Key(i), F12_LSN, new byte[100])).append('\n');
        }
        in.append(badLine).append('\n');
        in.append(imageLine(f12Key(5000), F12_LSN, new byte[100])).append('\n');
        Path out = dir.resolve("bad-" + Integer.toHexString(badLine.hashCode()));
        Result r = run(in.toString(), buildImage(F12_RANGE, F12_LSN, out));
        assertError(r, expectedError);
        assertEquals(List.of(), files(out), "no finished or temporary file left");
    }

    @Test
    void imageInputErrorsNameTheLineAndLeaveNoFile() {
        String k999 = f12Key(999);
        String k1000 = f12Key(1000);
        assertBadImageInput(imageLine(f12Key(500), F12_LSN, new byte[1]),
                "strata: stdin line 1001: entries are not sorted by key then LSN: " + f12Key(500)
                        + "@DEAD/BEEF0000 comes after " + k999 + "@DEAD/BEEF0000 on line 1000");
        assertBadImageInput(imageLine(k999, F12_LSN, new byte[1]),
                "strata: stdin line 1001: duplicate entry " + k999 + "@DEAD/BEEF0000 (already on line 1000)");
        assertBadImageInput(imageLine(f12Key(0x2000), F12_LSN, new byte[1]),
                "strata: stdin line 1001: key " + f12Key(0x2000) + " is outside the key range [" + f12Key(0)
                        + ", " + f12Key(0x2000) + ")");
        assertBadImageInput(imageLine(k1000, "DEAD/BEEF0001", new byte[1]),
                "strata: stdin line 1001: LSN DEAD/BEEF0001 of key " + k1000
                        + " is not the image layer's LSN DEAD/BEEF0000");
        assertBadImageInput(valueLine(Key.fromHex(k1000), Lsn.parse(F12_LSN),
                        new Value.WalRecord(new NeonWalRecord.Postgres(true, new byte[] {1}))),
                "strata: stdin line 1001: wrong value kind: an image layer holds images only, got a WAL record "
                        + "for " + k1000 + "@DEAD/BEEF0000");
        assertBadImageInput("{\"key\":\"" + k1000 + "\",\"lsn\":",
                "strata: stdin line 1001: malformed JSON at column 53: Unexpected end-of-input within/between "
                        + "Object entries");
        assertBadImageInput("[1, 2]", "strata: stdin line 1001: expected a JSON object {\"key\",\"lsn\",\"value\"}");
        assertBadImageInput("{\"key\":\"" + k1000 + "\",\"lsn\":\"DEAD/BEEF0000\",\"value\":{\"image\":\"!!\"}}",
                "strata: stdin line 1001: \"image\" is not base64: Illegal base64 character 21");
        assertBadImageInput("{\"key\":\"" + k1000 + "\",\"lsn\":\"DEAD/BEEF0000\"}",
                "strata: stdin line 1001: missing \"value\"");
        assertBadImageInput("{\"key\":\"" + k1000 + "\",\"lsn\":\"DEAD/BEEF0000\",\"value\":{\"image\":\"\"},"
                + "\"x\":1}", "strata: stdin line 1001: unknown field \"x\" in entry");
        assertBadImageInput("{\"key\":\"XYZ\",\"lsn\":\"DEAD/BEEF0000\",\"value\":{\"image\":\"\"}}",
                "strata: stdin line 1001: \"key\": invalid key 'XYZ': expected 36 hex digits, got 3 characters");
        assertBadImageInput("{\"key\":\"" + k1000 + "\",\"lsn\":\"DEADBEEF0000\",\"value\":{\"image\":\"\"}}",
                "strata: stdin line 1001: \"lsn\": invalid LSN 'DEADBEEF0000': expected HI/LO");
    }

    @Test
    void deltaInputErrorsNameTheLineAndLeaveNoFile() {
        Key k = Key.fromHex(f12Key(5));
        List<String> good = deltaLines().lines().toList();
        String lastGood = good.get(good.size() - 1);
        String[][] cases = {
            {valueLine(k, Lsn.parse("0/200"), new Value.Image(new byte[1])),
                "strata: stdin line " + (good.size() + 1) + ": LSN 0/200 of key " + k
                        + " is outside the LSN range [0/100, 0/200)"},
            {valueLine(k, Lsn.parse("0/FF"), new Value.Image(new byte[1])),
                "strata: stdin line " + (good.size() + 1) + ": LSN 0/FF of key " + k
                        + " is outside the LSN range [0/100, 0/200)"},
            {valueLine(Key.fromHex("000000067F00000001000000AF0000000000"), Lsn.parse("0/150"),
                    new Value.Image(new byte[1])),
                "strata: stdin line " + (good.size() + 1) + ": key 000000067F00000001000000AF0000000000 is "
                        + "outside the key range [000000067F00000001000000AE0000000000, "
                        + "000000067F00000001000000AF0000000000)"},
            {lastGood, "strata: stdin line " + (good.size() + 1) + ": duplicate entry "},
            {"{\"key\":\"" + k + "\",\"lsn\":\"0/150\",\"value\":{\"wal\":{\"will_init\":false,\"record\":\""
                    + "AAAAAAEAAAAAAAAAAQE=\"}}}",
                "strata: stdin line " + (good.size() + 1) + ": \"will_init\" is false but the record says true"},
            {"{\"key\":\"" + k + "\",\"lsn\":\"0/150\",\"value\":{\"wal\":{\"will_init\":true,\"record\":\""
                    + "AAAAAAE=\"}}}",
                "strata: stdin line " + (good.size() + 1) + ": \"record\" is not a NeonWalRecord: "},
            {"{\"key\":\"" + k + "\",\"lsn\":\"0/150\",\"value\":{\"image\":\"\",\"wal\":{}}}",
                "strata: stdin line " + (good.size() + 1) + ": \"value\" must be an object with exactly one of "
                        + "\"image\" and \"wal\""},
        };
        for (String[] c : cases) {
            Path out = dir.resolve("bad-" + Integer.toHexString(c[0].hashCode()));
            Result r = run(String.join("\n", good) + "\n" + c[0] + "\n", buildDelta(DELTA_RANGE, "0/100-0/200",
                    out));
            assertNotEquals(0, r.code());
            assertEquals("", r.out());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().strip().startsWith(c[1]), () -> "expected " + c[1] + "\n got " + r.err());
            assertEquals(List.of(), files(out), "no finished or temporary file left");
        }
        // Within a key, LSNs must increase too.
        Path out = dir.resolve("lsn-order");
        String in = valueLine(k, Lsn.parse("0/150"), new Value.Image(new byte[1])) + "\n"
                + valueLine(k, Lsn.parse("0/140"), new Value.Image(new byte[1])) + "\n";
        assertError(run(in, buildDelta(DELTA_RANGE, "0/100-0/200", out)),
                "strata: stdin line 2: entries are not sorted by key then LSN: " + k + "@0/140 comes after " + k
                        + "@0/150 on line 1");
        assertEquals(List.of(), files(out));
    }

    @Test
    void blankLinesAreSkippedButCounted() {
        Path out = dir.resolve("out");
        String in = "\n" + imageLine(f12Key(2), F12_LSN, new byte[1]) + "\n\n" + imageLine(f12Key(1), F12_LSN,
                new byte[1]) + "\n";
        assertError(run(in, buildImage(F12_RANGE, F12_LSN, out)), "strata: stdin line 4: entries are not sorted "
                + "by key then LSN: " + f12Key(1) + "@DEAD/BEEF0000 comes after " + f12Key(2)
                + "@DEAD/BEEF0000 on line 2");
    }

    @Test
    void emptyInputWritesNothing() {
        Path out = dir.resolve("out");
        assertError(run("\n", buildImage(F12_RANGE, F12_LSN, out)), "strata: stdin: no entries; nothing written");
        assertEquals(List.of(), files(out));
    }

    @Test
    void badOptionsAreNamed() throws Exception {
        Path out = dir.resolve("out");
        String one = imageLine(f12Key(1), F12_LSN, new byte[1]) + "\n";
        assertError(run(one, new String[] {"layer", "build", "--kind", "delta", "--tenant", TENANT, "--timeline", TIMELINE,
                "--key-range", F12_RANGE, "--lsn", F12_LSN, "--out", out.toString()}),
                "strata: a delta layer covers an LSN range: give --lsn-range, not --lsn");
        assertError(run(one, buildImage(F12_RANGE, F12_LSN, out, "--generation", "2a")),
                "strata: --generation: expected 8 hex digits, got '2a'");
        assertError(run(one, buildImage(F12_RANGE, F12_LSN, out, "--compression", "lz4")),
                "strata: --compression: expected none, zstd or zstd(N), got 'lz4'");
        assertError(run(one, buildDelta(F12_RANGE, "0/1-0/2", out, "--compression", "zstd")),
                "strata: --compression zstd: delta layer values are never compressed");
        assertError(run(one, buildDelta(F12_RANGE, "0/2-0/2", out)),
                "strata: --lsn-range: LSN range [0/2, 0/2) is empty");
        assertError(run(one, new String[] {"layer", "build", "--kind", "image", "--tenant", "xyz", "--timeline", TIMELINE,
                "--key-range", F12_RANGE, "--lsn", F12_LSN, "--out", out.toString()}),
                "strata: --tenant: invalid tenant id 'xyz': expected 32 hex digits, got 3 characters");
        assertError(run(one, buildImage(f12Key(5) + "-" + f12Key(5), F12_LSN, out)),
                "strata: --key-range: key range [" + f12Key(5) + ", " + f12Key(5) + ") is empty");
        assertError(run(one, new String[] {"layer", "build", "--kind", "page", "--tenant", TENANT, "--timeline", TIMELINE,
                "--key-range", F12_RANGE, "--lsn", F12_LSN, "--out", out.toString()}),
                "strata: --kind: expected image or delta, got 'page'");

        // An existing layer is never overwritten.
        Path file = Path.of(run(one, buildImage(F12_RANGE, F12_LSN, out)).single());
        byte[] before = Files.readAllBytes(file);
        assertError(run(imageLine(f12Key(2), F12_LSN, new byte[1]) + "\n", buildImage(F12_RANGE, F12_LSN, out)),
                "strata: " + file + ": already exists; not overwriting it");
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), files(out));
    }

    // ------------------------------------------------------------------ rewrite-summary

    @Test
    void rewriteSummaryChangesTheTenantAndDumpShowsIt() throws Exception {
        Path out = dir.resolve("out");
        Path file = Path.of(run(LayerCli.f12Lines(), buildImage(F12_RANGE, F12_LSN, out)).single());
        byte[] before = Files.readAllBytes(file);
        String newTenant = "0123456789abcdef0123456789abcdef";

        Result r = run("layer", "rewrite-summary", file.toString(), "--tenant", newTenant).ok();
        assertEquals(1, r.lines().size(), r.out());
        JsonNode printed = r.json(0);
        assertEquals(newTenant, printed.get("tenant_id").asText());
        assertEquals(TIMELINE, printed.get("timeline_id").asText());

        JsonNode dumped = run("layer", "dump", file.toString()).ok().json(0);
        assertEquals(printed, dumped);
        assertEquals(newTenant, dumped.get("tenant_id").asText());
        assertEquals(F12_LSN, dumped.get("lsn").asText());
        assertEquals(6, dumped.get("index_start_blk").asLong());
        assertEquals(8, dumped.get("index_root_blk").asLong());

        byte[] after = Files.readAllBytes(file);
        assertArrayEquals(Arrays.copyOfRange(before, LayerFormat.PAGE_SZ, before.length),
                Arrays.copyOfRange(after, LayerFormat.PAGE_SZ, after.length), "only block 0 changes");

        // LSN and key range of an image layer.
        JsonNode moved = run("layer", "rewrite-summary", file.toString(), "--lsn", "1/2", "--key-end",
                f12Key(0x4000), "--timeline", newTenant).ok().json(0);
        assertEquals("1/2", moved.get("lsn").asText());
        assertEquals(f12Key(0x4000), moved.get("key_range").get("end").asText());
        assertEquals(f12Key(0), moved.get("key_range").get("start").asText());
        assertEquals(newTenant, moved.get("timeline_id").asText());
    }

    @Test
    void rewriteSummaryOfADeltaLayer() throws Exception {
        Path file = Path.of(run(deltaLines(), buildDelta(DELTA_RANGE, "0/100-0/200", dir.resolve("out")))
                .single());
        JsonNode s = run("layer", "rewrite-summary", file.toString(), "--lsn-range", "0/80-1/0", "--key-start",
                f12Key(0x1)).ok().json(0);
        assertEquals("delta", s.get("kind").asText());
        assertEquals("0/80", s.get("lsn_range").get("start").asText());
        assertEquals("1/0", s.get("lsn_range").get("end").asText());
        assertEquals(f12Key(1), s.get("key_range").get("start").asText());
        assertEquals(s, run("layer", "dump", file.toString()).ok().json(0));

        byte[] before = Files.readAllBytes(file);
        assertError(run("layer", "rewrite-summary", file.toString(), "--lsn", "0/90"),
                "strata: " + file + ": a delta layer has an LSN range: use --lsn-range, not --lsn");
        assertError(run("layer", "rewrite-summary", file.toString(), "--key-end", f12Key(1)),
                "strata: " + file + ": new key range [" + f12Key(1) + ", " + f12Key(1)
                        + ") is empty; nothing written");
        assertError(run("layer", "rewrite-summary", file.toString()),
                "strata: nothing to rewrite: give at least one of --tenant, --timeline, --key-start, --key-end, "
                        + "--lsn, --lsn-range");
        assertArrayEquals(before, Files.readAllBytes(file), "failed rewrites change nothing");
    }

    // ------------------------------------------------------------------ files that are not (sound) layers

    @Test
    void badFilesGiveOneLineNamingTheFile() throws Exception {
        Path missing = dir.resolve("missing");
        Path text = Files.writeString(dir.resolve("text.json"), "{\"kind\":\"image\"}\n".repeat(1000));
        Path shortFile = Files.write(dir.resolve("short"), new byte[100]);
        Path good = Path.of(run(LayerCli.f12Lines(), buildImage(F12_RANGE, F12_LSN, dir.resolve("out"))).single());
        Path badIndex = Files.copy(good, dir.resolve("bad-index"));
        overwrite(badIndex, 80, new byte[] {0, 0, 0, 99});
        Path badVersion = Files.copy(good, dir.resolve("bad-version"));
        overwrite(badVersion, 2, new byte[] {0, 4});
        byte[] badIndexBytes = Files.readAllBytes(badIndex);

        String[][] cases = {
            {missing.toString(), "strata: " + missing + ": no such file"},
            {dir.toString(), "strata: " + dir + ": is a directory, not a layer file"},
            {text.toString(), "strata: " + text + ": not a layer file: magic 0x7B22 is neither 0x5A60 (image) nor "
                    + "0x5A61 (delta)"},
            {shortFile.toString(), "strata: " + shortFile + ": not a layer file: 100 bytes, less than the "
                    + "8192-byte summary block"},
            {badIndex.toString(), "strata: " + badIndex + ": corrupt layer: index_start_blk 99 + index_root_blk 8 "
                    + "points past the end of the file"},
            {badVersion.toString(), "strata: " + badVersion + ": corrupt layer: unsupported format version 4"},
        };
        Path out = dir.resolve("filtered");
        for (String[] c : cases) {
            for (String[] args : new String[][] {
                {"layer", "dump", c[0]},
                {"layer", "dump", "--values", c[0]},
                {"layer", "rewrite-summary", c[0], "--tenant", TENANT},
                {"layer", "filter", c[0], "--shard", "0/4/2048", "--out", out.toString()},
            }) {
                Result r = run(args);
                assertNotEquals(0, r.code(), () -> String.join(" ", args));
                assertEquals("", r.out(), () -> String.join(" ", args));
                assertEquals(1, r.err().strip().lines().count(), r.err());
                assertTrue(r.err().startsWith(c[1]), () -> String.join(" ", args) + ": expected " + c[1]
                        + "\n got " + r.err());
            }
        }
        assertArrayEquals(badIndexBytes, Files.readAllBytes(badIndex), "a corrupt layer is not rewritten");
        assertEquals(List.of(), files(out));
    }

    @Test
    void filterRefusesDeltaLayers() {
        Path file = Path.of(run(deltaLines(), buildDelta(DELTA_RANGE, "0/100-0/200", dir.resolve("out"))).single());
        Path out = dir.resolve("filtered");
        assertError(run("layer", "filter", file.toString(), "--shard", "0/4/2048", "--out", out.toString()),
                "strata: " + file + ": is a delta layer; filter takes image layers only");
        assertError(run("layer", "filter", file.toString(), "--shard", "4/4/2048", "--out", out.toString()),
                "strata: --shard 4/4/2048: invalid shard number 4 for count 4");
        assertEquals(List.of(), files(out));
    }

    // ------------------------------------------------------------------ help

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"", "dump", "build", "rewrite-summary", "filter"}) {
            String[] args = cmd.isEmpty() ? new String[] {"layer", "--help"} : new String[] {"layer", cmd, "--help"};
            Result r = run(args).ok();
            assertTrue(r.out().startsWith("Usage: strata layer" + (cmd.isEmpty() ? "" : " " + cmd)), r.out());
        }
        Result bare = run("layer").ok();
        assertTrue(bare.out().contains("rewrite-summary"), bare.out());
        assertTrue(run("--help").ok().out().contains("layer"));
    }

    // ------------------------------------------------------------------ helpers

    /** Delta entries over keys {@code AE..0..AE..9}: images and WAL records of every shape, > 64 KiB in all. */
    static String deltaLines() {
        StringBuilder sb = new StringBuilder();
        Value[] values = {
            new Value.Image(new byte[] {1, 2, 3}),
            new Value.WalRecord(new NeonWalRecord.Postgres(false, "foobar".getBytes())),
            new Value.WalRecord(new NeonWalRecord.Postgres(true, new byte[0])),
            new Value.WalRecord(new NeonWalRecord.ClearVisibilityMapFlags(OptionalInt.of(0x11), OptionalInt.empty(),
                    3)),
            new Value.WalRecord(new NeonWalRecord.ClogSetCommitted(new int[] {1, 2, 3}, -5)),
            new Value.WalRecord(NeonWalRecord.Test.walAppend("x")),
            new Value.Image(new byte[0]),
            new Value.Image(new byte[20_000]),
        };
        for (int key = 0; key < 10; key++) {
            for (int v = 0; v < values.length; v++) {
                sb.append(valueLine(Key.fromHex(f12Key(key)), Lsn.of(0x100 + 0x10 * v + key), values[v]))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    static void assertError(Result r, String expected) {
        assertNotEquals(0, r.code(), () -> "expected failure: " + expected);
        assertEquals("", r.out());
        assertEquals(expected, r.err().strip());
        assertFalse(r.err().strip().contains("\n"), r.err());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void overwrite(Path file, long offset, byte[] bytes) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }
}
