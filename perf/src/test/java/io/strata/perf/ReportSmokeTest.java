package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from a run directory: sections in order, every ratio in the summary, PNG charts, skip reasons. */
class ReportSmokeTest {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};

    @TempDir
    Path dir;

    @Test
    void writesMarkdownWithRatiosAndCharts() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("01-scan.out"), "scan table line\n"
                + "{\"benchmark\":\"scan\",\"keys\":10,\"fio_mib_per_s\":400.0,\"mib_per_s\":100.0,"
                + "\"ratio_vs_fio\":0.25,\"rocksdb\":{\"mib_per_s\":200.0,\"ratio_vs_fio\":0.5},"
                + "\"ratio_vs_rocksdb\":0.5}\n");
        Files.writeString(run.resolve("01-scan.cmd"), "java -jar strata-perf.jar scan --keys 10\n");
        Files.writeString(run.resolve("01-scan.load"), "1.0 1.0 1.0 before\n");
        Files.writeString(run.resolve("02-jmh.out"), "{\"benchmark\":\"jmh\",\"results\":["
                + "{\"name\":\"KeyCompareBench.compareTo\",\"params\":{},\"score\":3.5,\"unit\":\"ns/op\"},"
                + "{\"name\":\"BtreeSearchBench.get\",\"params\":{\"entries\":\"10\"},\"score\":250.0,\"unit\":\"ns/op\"}]}\n");
        Files.writeString(run.resolve("03-getpage.out"), "partial output\n");
        Files.writeString(run.resolve("03-getpage.err"), "strata-perf getpage: error: disk full\n");
        Files.writeString(run.resolve("04-soak.skip"), "strata-perf has no 'soak' command yet\n");

        Path out = dir.resolve("results");
        PerfRun r = PerfRun.of("report", "--in", run.toString(), "--out", out.toString(), "--date", "d1",
                "--note", "a note");
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(out.resolve("d1.md"));
        assertTrue(md.startsWith("# Benchmark results, d1"), md);
        assertTrue(md.contains("a note"), md);
        assertTrue(md.contains("| scan | - | Strata / fio | ratio_vs_fio | 0.250 |"), md);
        assertTrue(md.contains("| scan | rocksdb | RocksDB / fio | ratio_vs_fio | 0.500 |"), md);
        assertTrue(md.contains("| scan | - | Strata / RocksDB | ratio_vs_rocksdb | 0.500 |"), md);
        assertTrue(md.indexOf("## scan") < md.indexOf("## jmh") && md.indexOf("## jmh") < md.indexOf("## getpage"),
                md);
        assertTrue(md.contains("disk full"), "a failed command shows its error: " + md);
        assertTrue(md.contains("Not run: strata-perf has no 'soak' command yet"), md);
        for (String png : new String[] {"ratios.png", "scan.png", "jmh.png"}) {
            assertTrue(md.contains("(d1/" + png + ")"), png + " linked: " + md);
            byte[] head = Arrays.copyOf(Files.readAllBytes(out.resolve("d1").resolve(png)), 4);
            assertArrayEquals(PNG, head, png);
        }
    }

    @Test
    void anEmptyRunDirectoryIsAnError() throws Exception {
        Path run = Files.createDirectories(dir.resolve("empty"));
        PerfRun r = PerfRun.of("report", "--in", run.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("no command results"), r.err());
    }
}
