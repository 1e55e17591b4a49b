package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.io.uring.UringIoEngine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Functional checks of the command line: a real (tiny, short) io-randread run, and usage errors. Nothing timed. */
class StrataPerfSmokeTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\\R");
            return lines[lines.length - 1];
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = StrataPerf.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void randreadOnASmallFilePrintsJsonWithPositiveIopsForEachEngine() throws Exception {
        Path file = dir.resolve("bench.dat");
        List<String> engines = new ArrayList<>(List.of("filechannel"));
        if (UringIoEngine.isAvailable()) {
            engines.add(0, "uring");
        }
        Run r = run("io-randread", "--file", file.toString(), "--size", "16m", "--qd", "1,4", "--seconds", "1",
                "--warmup-seconds", "0", "--no-fio", "--engine", String.join(",", engines));
        assertEquals(0, r.code(), r.err());
        assertEquals(16L << 20, Files.size(file), "the data file is made to --size");
        assertTrue(r.err().contains("creating " + file), r.err());

        JsonNode json = new ObjectMapper().readTree(r.lastLine());
        assertEquals("io-randread", json.path("benchmark").asText());
        JsonNode results = json.path("results");
        assertEquals(2, results.size());
        for (int i = 0; i < 2; i++) {
            JsonNode qd = results.get(i);
            assertEquals(i == 0 ? 1 : 4, qd.path("qd").asInt());
            for (String e : engines) {
                JsonNode figures = qd.path("engines").path("strata-" + e);
                assertTrue(figures.path("iops").asDouble() > 0, "iops of " + e + " at qd " + qd + ": " + figures);
                assertTrue(figures.path("lat_p50_us").asDouble() > 0, figures.toString());
                assertEquals(8192 * figures.path("ops").asLong() / 1048576.0 / figures.path("seconds").asDouble(),
                        figures.path("mib_per_s").asDouble(), 0.01);
            }
            if (engines.size() == 2) {
                assertTrue(qd.path("ratios").path("strata_uring/strata_filechannel").asDouble() > 0);
            }
        }
        // the human table comes before the JSON line
        assertTrue(r.out().contains("cpu us/op"), r.out());
    }

    @Test
    void badArgumentsExitWithUsageErrorAndSayWhy() {
        Run size = run("io-randread", "--file", dir.resolve("x").toString(), "--size", "1q");
        assertEquals(2, size.code());
        assertTrue(size.err().contains("invalid size '1q'"), size.err());

        Run block = run("io-randread", "--file", dir.resolve("x").toString(), "--block", "1000");
        assertEquals(2, block.code());
        assertTrue(block.err().contains("multiple of 4096"), block.err());

        Run qd = run("io-seq", "--file", dir.resolve("x").toString(), "--qd", "1,zero");
        assertEquals(2, qd.code());
        assertTrue(qd.err().contains("invalid queue depth 'zero'"), qd.err());

        Run mode = run("io-seq", "--file", dir.resolve("x").toString(), "--mode", "append");
        assertEquals(2, mode.code());
        assertTrue(mode.err().contains("invalid --mode 'append'"), mode.err());

        Run none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("io-randread"), none.err());
        assertTrue(Files.notExists(dir.resolve("x")), "nothing is created for a rejected command line");
    }

    /** The device's speed flips between runs: io-seq alternates whether fio or the engines go first. */
    @Test
    void ioSeqAlternatesWhoGoesFirstFromRoundToRound() {
        assumeTrue(FioRunner.locate().isPresent(), "fio is not installed");
        Run r = run("io-seq", "--file", dir.resolve("seq.dat").toString(), "--size", "8m", "--block", "1m", "--qd", "1",
                "--seconds", "1", "--warmup-seconds", "0", "--rounds", "2", "--engine", "filechannel", "--mode",
                "read");
        assertEquals(0, r.code(), r.err());
        List<String> order = r.err().lines().filter(l -> l.contains("qd 1: ") && l.contains("(round "))
                .map(l -> (l.contains(": fio ") ? "fio" : "strata") + (l.contains("(round 1 of") ? 1 : 2)).toList();
        assertEquals(List.of("fio1", "strata1", "strata2", "fio2"), order, r.err());
    }

    @Test
    void helpWorksEverywhere() {
        for (String[] args : new String[][] {{"--help"}, {"io-randread", "--help"}, {"io-seq", "--help"},
                {"help", "io-seq"}}) {
            Run r = run(args);
            assertEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.out().contains("Usage: strata-perf"), r.out());
        }
    }

    @Test
    void aFailingRunExitsNonZero() {
        // a directory where the data file should be: the engine cannot open it for O_DIRECT reads
        Run r = run("io-randread", "--file", dir.toString(), "--size", "1m", "--qd", "1", "--seconds", "1",
                "--warmup-seconds", "0", "--no-fio", "--engine", "filechannel");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("error"), r.err());
    }
}
