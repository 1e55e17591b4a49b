package io.strata.engine.timeline;

import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.assertPagesAt;
import static io.strata.engine.timeline.TimelineTestSupport.expectedFiles;
import static io.strata.engine.timeline.TimelineTestSupport.files;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.uring.UringIoEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a child JVM ingesting into a timeline ({@link IngestCrashChild}), at a random moment of ingest and at
 * each step of a flush: while the L0 layer file is being written, after it was renamed but before the index names
 * it, after the new index was written but before its rename, and after the rename but before the directory fsync.
 * After each kill the parent reopens the engine and checks that the disk-consistent LSN is at least every LSN the
 * child reported durable, that every page at or below it is exactly the workload's, and that the directory holds
 * exactly the index and its layers (no temporary, ephemeral or unindexed files). The next child resumes above the
 * disk-consistent LSN, so every round also checks that re-sent WAL continues the timeline. Each phase is run once on
 * io_uring (where available) and once on the FileChannel engine.
 */
class CrashRecoveryTest {
    private static final List<String> PHASES = List.of("ingest", "layer-write", "layer-renamed", "index-temp",
            "index-renamed");

    @TempDir
    Path dir;

    @Test
    void killNineDuringIngestFlushAndIndexUpdateLosesNothingDurable() throws Exception {
        Workload w = IngestCrashChild.WORKLOAD;
        Path data = dir.resolve("data");
        Random random = new Random(0x5eed);
        String preferred = UringIoEngine.isAvailable() ? "uring" : "filechannel";
        Lsn reported = w.start;
        long lastGeneration = 0;
        List<String> phases = new ArrayList<>(PHASES);
        phases.addAll(PHASES);
        for (int round = 0; round < phases.size(); round++) {
            String phase = phases.get(round);
            // the first five rounds on io_uring (where available), the next five on FileChannel
            String engineKind = round < PHASES.size() ? preferred : "filechannel";
            int armAfter = 1 + random.nextInt(2);
            Child child = Child.start(data, phase, armAfter, engineKind);
            try {
                String[] ready = child.expect("READY").split(" ");
                long gen = Long.parseLong(ready[1]);
                assertTrue(gen > lastGeneration, "generations grow at every open: " + gen + " after "
                        + lastGeneration);
                lastGeneration = gen;
                Lsn opened = new Lsn(Long.parseLong(ready[2]));
                assertTrue(opened.compareTo(reported) >= 0, "round " + round + ": opened at " + opened
                        + ", below the reported durable " + reported);
                if (phase.equals("ingest")) {
                    for (int i = 0; i < armAfter; i++) {
                        reported = max(reported, durable(child.expect("DURABLE")));
                    }
                    Thread.sleep(random.nextInt(40)); // a random moment of ingest (and perhaps of a flush)
                } else {
                    String line;
                    while (!(line = child.next()).startsWith("PHASE")) {
                        if (line.startsWith("DURABLE")) {
                            reported = max(reported, durable(line));
                        } else {
                            child.unexpected(line);
                        }
                    }
                    assertEquals(phase, line.split(" ")[1]);
                }
                // every line printed before the kill (a DURABLE printed late still counts)
                assertTrue(child.process.isAlive(), "the child ended on its own: " + child.drain());
                child.process.destroyForcibly(); // SIGKILL
                assertTrue(child.process.waitFor(60, TimeUnit.SECONDS));
                for (String line : child.drain()) {
                    if (line.startsWith("DURABLE")) {
                        reported = max(reported, durable(line));
                    } else if (line.startsWith("ERROR")) {
                        fail("child failed: " + line);
                    }
                }
            } finally {
                child.process.destroyForcibly();
            }
            Path tlDir = data.resolve("tenants").resolve(TENANT.toString()).resolve("timelines")
                    .resolve(TIMELINE.toString());
            checkLeftovers(phase, tlDir, reported);
            reported = verify(data, w, reported, random, engineKind);
        }
    }

    /** What the kill left, before the restart cleans it up: proof the kill landed where it was meant to. */
    private static void checkLeftovers(String phase, Path tlDir, Lsn reported) throws IOException {
        List<String> names = files(tlDir);
        IndexPart index = IndexPart.fromJson(Files.readAllBytes(tlDir.resolve(IndexPart.FILE_NAME)), "index");
        Set<String> indexed = Set.copyOf(expectedFiles(index));
        List<String> unindexedLayers = names.stream().filter(n -> !indexed.contains(n) && n.contains("__")
                && !n.endsWith(LayerName.TEMP_FILE_SUFFIX)).toList();
        switch (phase) {
            case "layer-write" -> assertTrue(names.stream().anyMatch(n -> n.contains("__")
                    && n.endsWith(LayerName.TEMP_FILE_SUFFIX)), "a temporary layer file: " + names);
            case "layer-renamed" -> assertFalse(unindexedLayers.isEmpty(), "a layer file the index does not name: "
                    + names);
            case "index-temp" -> assertTrue(names.stream().anyMatch(n -> n.startsWith(IndexPart.FILE_NAME + ".")
                    && n.endsWith(LayerName.TEMP_FILE_SUFFIX)), "a temporary index: " + names);
            case "index-renamed" -> assertTrue(index.diskConsistentLsn().isAfter(reported),
                    "the renamed index is ahead of what was reported: " + index.diskConsistentLsn() + " vs "
                            + reported);
            default -> { }
        }
    }

    /** Reopens in this JVM and checks everything durable; emits the disk-consistent LSN found. */
    private static Lsn verify(Path data, Workload w, Lsn reported, Random random, String engineKind)
            throws IOException {
        StrataEngine engine = StrataEngine.open(data, IngestCrashChild.config(IoEngineKind.parse(engineKind)))
                .block(T);
        try {
            Timeline t = engine.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
            Lsn dcl = t.diskConsistentLsn();
            assertTrue(dcl.compareTo(reported) >= 0, "durable " + dcl + " is below the reported " + reported);
            assertEquals(dcl, t.lastRecordLsn());
            assertEquals(expectedFiles(t.indexPart()), files(t.directory()),
                    "only the index and its layers remain");
            assertPagesAt(t, w, dcl);
            long last = w.indexAtOrBelow(dcl);
            if (last > 1) {
                assertPagesAt(t, w, w.lsn(1 + (long) (random.nextDouble() * (last - 1))));
            }
            return dcl;
        } finally {
            engine.shutdown(ShutdownMode.HARD).block(T); // no flush: the next child sees what the crash left
        }
    }

    private static Lsn durable(String line) {
        return new Lsn(Long.parseLong(line.split(" ")[1]));
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A child JVM and its output lines, read by a thread so that waits are bounded. */
    private record Child(Process process, LinkedBlockingQueue<String> lines, StringBuilder err) {
        static Child start(Path data, String phase, int armAfter, String engine) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = List.of(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                    "-XX:+AllowRedefinitionToAddDeleteMethods", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), IngestCrashChild.class.getName(),
                    data.toString(), phase, Integer.toString(armAfter), engine);
            Process p = new ProcessBuilder(cmd).start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            StringBuilder err = new StringBuilder();
            Thread out = new Thread(() -> pump(p.getInputStream(), lines, null), "child-out");
            Thread errs = new Thread(() -> pump(p.getErrorStream(), null, err), "child-err");
            out.setDaemon(true);
            errs.setDaemon(true);
            out.start();
            errs.start();
            return new Child(p, lines, err);
        }

        private static void pump(java.io.InputStream in, LinkedBlockingQueue<String> lines, StringBuilder err) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    if (lines != null) {
                        lines.add(l);
                    } else {
                        synchronized (err) {
                            if (err.length() < 20_000) {
                                err.append(l).append('\n');
                            }
                        }
                    }
                }
            } catch (IOException ignored) {
                // the child was killed
            }
        }

        String next() throws InterruptedException {
            String l = lines.poll(120, TimeUnit.SECONDS);
            if (l == null) {
                fail("no output from the child for two minutes (alive: " + process.isAlive() + "): " + stderr());
            }
            if (l.startsWith("ERROR")) {
                fail("child failed: " + l + "\n" + stderr());
            }
            return l;
        }

        String expect(String prefix) throws InterruptedException {
            for (String l; ; ) {
                l = next();
                if (l.startsWith(prefix)) {
                    return l;
                }
                if (!l.startsWith("DURABLE")) {
                    unexpected(l);
                }
            }
        }

        void unexpected(String line) {
            if (!line.startsWith("INGESTED")) {
                fail("unexpected child output: " + line);
            }
        }

        List<String> drain() {
            List<String> out = new ArrayList<>();
            lines.drainTo(out);
            return out;
        }

        String stderr() {
            synchronized (err) {
                return err.toString().lines().limit(60).collect(Collectors.joining("\n"));
            }
        }
    }
}
