package io.strata.engine.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.strata.engine.key.Lsn;
import io.strata.engine.timeline.Workload;
import io.strata.io.file.IoEngineKind;
import io.strata.io.uring.UringIoEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash tests with SIGKILL: a child JVM ({@link CrashWorkloadChild}) runs the random workload (ingest, flushes, L0
 * compaction, image layer creation, legacy GC, gc-compaction) on one data directory and is killed with SIGKILL,
 * aimed each time at one target: a random moment of the engine's open (its recovery), a random moment of ingest, a
 * random moment after one of the maintenance operations began, or just after a layer file or an index update began
 * to be written. After each kill the test runs {@link DurabilityCheck} against the LSNs the child acknowledged in
 * its fsynced ack file; then the next child resumes from the disk-consistent LSN on the same directory.
 *
 * <p>{@code -Dstrata.crash.kills=N} sets the number of kills (default {@value #DEFAULT_KILLS}),
 * {@code -Dstrata.crash.seed=S} replays a run's choices (the moments themselves depend on timing),
 * {@code -Dstrata.crash.targets=open,index-write} aims at some targets only. Prints the seed, the kills survived and
 * where they landed: the operation running and the last layer or index step the child had reported.
 */
class SigkillCrashTest {
    static final int DEFAULT_KILLS = 12;
    private static final List<String> TARGETS = List.of("open", "ingest", "flush", "compaction", "image", "gc",
            "gc-compaction", "layer-write", "index-write");
    private static final long MARKER_WAIT_MILLIS = 60_000;

    @TempDir
    Path dir;

    @Test
    void sigkillAtRandomMomentsNeverLosesAcknowledgedData() throws Exception {
        int kills = Integer.getInteger("strata.crash.kills", DEFAULT_KILLS);
        long seed = Long.getLong("strata.crash.seed", new Random().nextLong());
        System.out.println("SigkillCrashTest: seed " + seed + " (-Dstrata.crash.seed=" + seed + "), " + kills
                + " kills");
        List<String> targets = List.of(System.getProperty("strata.crash.targets", String.join(",", TARGETS))
                .split(","));
        assertTrue(TARGETS.containsAll(targets), "strata.crash.targets: a subset of " + TARGETS);
        Random random = new Random(seed);
        Workload w = CrashWorkloadChild.WORKLOAD;
        Path data = dir.resolve("data");
        boolean uring = UringIoEngine.isAvailable();
        Map<String, Integer> landings = new TreeMap<>();
        Lsn verified = w.start;
        Lsn acked = w.start;
        long lastGeneration = 0;
        boolean created = false;
        int leftoversRemoved = 0;
        long began = System.nanoTime();
        for (int kill = 1; kill <= kills; kill++) {
            String target = targets.get(random.nextInt(targets.size()));
            IoEngineKind kind = uring && random.nextBoolean() ? IoEngineKind.URING : IoEngineKind.FILECHANNEL;
            ChildLog log = new ChildLog();
            String landing;
            // one ack file per child: a line a kill tore stays last in its file
            Path acks = dir.resolve("acks-" + kill);
            long started = System.nanoTime();
            long killedAt;
            try (ChildJvm child = ChildJvm.start(CrashWorkloadChild.class,
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            // BlockHound costs about 2 s of CPU per start: every other child has it
                            "-Dstrata.crash.blockhound=" + (kill % 2 == 1)),
                    List.of(data.toString(), acks.toString(), Long.toString(random.nextLong()),
                            kind.name().toLowerCase()))) {
                int nth = 1 + random.nextInt(3);
                if (target.equals("open")) {
                    aim(log, child, "OPENING", 1, random.nextInt(60));
                } else {
                    log.await(child, "READY", 1);
                    switch (target) {
                        case "ingest" -> log.runFor(child, 100 + random.nextInt(900));
                        case "layer-write" -> aim(log, child, "STEP layer-begin", nth, random.nextInt(4));
                        case "index-write" -> aim(log, child, "STEP index-begin", nth, random.nextInt(3));
                        default -> aim(log, child, "PHASE " + target + " begin", nth, random.nextInt(30));
                    }
                }
                assertTrue(child.isAlive(), "kill " + kill + ": the child ended on its own: " + child.stderr());
                assertEquals(ChildJvm.KILLED, child.kill(), "kill " + kill + ": the child was ended by SIGKILL");
                killedAt = System.nanoTime();
                log.consume(child, child.drain());
                landing = log.landing();
            }
            if (log.ready != null) {
                created = true;
                String[] ready = log.ready.split(" ");
                long generation = Long.parseLong(ready[1]);
                assertTrue(generation > lastGeneration, "generations grow at every open: " + generation + " after "
                        + lastGeneration);
                lastGeneration = generation;
                assertEquals(verified, new Lsn(Long.parseLong(ready[2])), "kill " + kill + ": the child resumed at"
                        + " the disk-consistent LSN the last check found");
            }
            acked = max(acked, lastAck(acks));
            DurabilityCheck.Found found = DurabilityCheck.verify(data, w, acked, created, kind, random);
            verified = found.diskConsistentLsn();
            leftoversRemoved += found.leftovers().size();
            landings.merge(landing, 1, Integer::sum);
            System.out.println("SigkillCrashTest: kill " + kill + " aimed at " + target + " on " + kind
                    + (kill % 2 == 1 ? " with BlockHound" : "")
                    + ", landed in " + landing + "; acknowledged " + acked + ", durable " + verified + " (record "
                    + w.indexAtOrBelow(verified) + "), GC cutoff " + found.gcCutoff() + ", " + found.layers()
                    + " layers, " + found.leftovers().size() + " leftovers removed at open; child ran "
                    + (killedAt - started) / 1_000_000 + " ms (ready after " + log.readyAfter + "), check took "
                    + (System.nanoTime() - killedAt) / 1_000_000 + " ms");
        }
        System.out.println("SigkillCrashTest: seed " + seed + ": survived " + kills + " kills in "
                + (System.nanoTime() - began) / 1_000_000 + " ms; landed in " + landings + "; " + leftoversRemoved
                + " temporary/ephemeral files removed at restarts; durable up to record " + w.indexAtOrBelow(verified));
        if (!targets.equals(List.of("open"))) {
            assertTrue(w.indexAtOrBelow(verified) > 0, "the children made something durable");
        }
    }

    /** Waits for the {@code nth} line starting with {@code marker}, then {@code delayMillis} more. */
    private static void aim(ChildLog log, ChildJvm child, String marker, int nth, int delayMillis) throws Exception {
        log.await(child, marker, nth);
        if (delayMillis > 0) {
            log.runFor(child, delayMillis);
        }
    }

    /** The highest LSN in the ack file's complete lines (a line the kill tore is not an acknowledgement). */
    private static Lsn lastAck(Path acks) throws IOException {
        Lsn last = new Lsn(0);
        if (!Files.exists(acks)) {
            return last;
        }
        String text = new String(Files.readAllBytes(acks), StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        for (String line : text.substring(0, end + 1).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (!line.startsWith("durable ")) {
                fail("bad ack line: " + line);
            }
            last = max(last, new Lsn(Long.parseLong(line.substring("durable ".length()))));
        }
        return last;
    }

    private static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Follows the child's output: the operation running and the last layer or index step reported. */
    private static final class ChildLog {
        private String op;
        private String step;
        /** The child's READY line (generation, disk-consistent LSN, JVM uptime), null until the open completed. */
        String ready;
        String readyAfter = "-";

        String await(ChildJvm child, String prefix, int nth) throws InterruptedException {
            long deadline = System.currentTimeMillis() + MARKER_WAIT_MILLIS;
            int seen = 0;
            while (true) {
                long left = deadline - System.currentTimeMillis();
                String line = left > 0 ? child.poll(left) : null;
                if (line == null) {
                    fail("no '" + prefix + "' from the child within " + MARKER_WAIT_MILLIS + " ms (alive: "
                            + child.isAlive() + "): " + child.stderr());
                }
                consume(child, line);
                if (line.startsWith(prefix) && ++seen == nth) {
                    return line;
                }
            }
        }

        void runFor(ChildJvm child, long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            for (long left; (left = deadline - System.currentTimeMillis()) > 0; ) {
                String line = child.poll(left);
                if (line != null) {
                    consume(child, line);
                }
            }
        }

        void consume(ChildJvm child, List<String> lines) {
            lines.forEach(l -> consume(child, l));
        }

        void consume(ChildJvm child, String line) {
            if (line.startsWith("ERROR")) {
                fail("child failed: " + line + "\n" + child.stderr());
            } else if (line.startsWith("READY ")) {
                ready = line;
                readyAfter = line.split(" ")[3];
            } else if (line.startsWith("PHASE ")) {
                String[] p = line.split(" ");
                op = p[2].equals("begin") ? p[1] : null;
            } else if (line.startsWith("STEP ")) {
                step = line.split(" ")[1];
            }
        }

        /** Where the kill landed, as far as the child reported it. */
        String landing() {
            if (ready == null) {
                return "open";
            }
            String where = op == null ? "ingest" : op;
            return step == null ? where : where + "/" + switch (step) {
                case "layer-begin" -> "layer-writing";
                case "layer-done" -> "layer-renamed";
                case "index-begin" -> "index-writing";
                default -> "index-renamed";
            };
        }
    }
}
