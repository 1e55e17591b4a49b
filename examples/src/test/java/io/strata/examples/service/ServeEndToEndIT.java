package io.strata.examples.service;

import static io.strata.examples.service.ServiceApiTest.key;
import static io.strata.examples.service.ServiceApiTest.lines;
import static io.strata.examples.service.ServiceApiTest.lsn;
import static io.strata.examples.service.ServiceApiTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar end to end (run by failsafe after {@code package}): {@code strata serve} as a child process,
 * ingest, read, {@code strata compact --url}, SIGTERM (exit 0, everything flushed), {@code strata gc --data} on the
 * stopped directory, restart and read everything again.
 */
class ServeEndToEndIT {
    private static final Pattern LISTENING = Pattern.compile("strata: listening on (http://\\S+/)");
    private static final String T = ServiceApiTest.T;
    private static final String L = ServiceApiTest.L;
    private static final String TL = ServiceApiTest.TL;

    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    private static Path jar() {
        Path jar = Path.of("target", "strata.jar");
        assertTrue(Files.exists(jar), jar.toAbsolutePath() + " is missing: run 'mvn package' (failsafe runs this "
                + "test after it)");
        return jar;
    }

    private Process strata(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    /** Starts {@code strata serve}, returns its URL once it printed it; its output goes on into {@code out}. */
    private Thread reader;

    private String serve(Path data, LinkedBlockingQueue<String> out, Process[] proc) throws Exception {
        Process p = strata("serve", "--data", data.toString(), "--port", "0", "--set", "io_rings=1");
        proc[0] = p;
        CompletableFuture<String> url = new CompletableFuture<>();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    out.add(l);
                    Matcher m = LISTENING.matcher(l);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
                url.completeExceptionally(new AssertionError("strata serve ended without listening: " + out));
            } catch (Exception e) {
                url.completeExceptionally(e);
            }
        }, "strata-serve-output");
        reader.setDaemon(true);
        reader.start();
        return url.get(180, TimeUnit.SECONDS);
    }

    private static String run(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** The last line that is a JSON object. */
    private static JsonNode lastJson(String out) throws Exception {
        String[] lines = out.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith("{")) {
                return Json.MAPPER.readTree(lines[i]);
            }
        }
        throw new AssertionError("no JSON in: " + out);
    }

    private static void checkPages(HttpJson http) throws Exception {
        for (int i = 0; i < 100; i += 11) {
            HttpJson.Response r = http.get(TL + "/page?key=" + key(i));
            assertEquals(200, r.status(), r.text());
            assertArrayEquals(page(i, 0x3000 + 8L * i), r.body(), "page " + i + " (ingested, never flushed by hand)");
            HttpJson.Response old = http.get(TL + "/page?key=" + key(i) + "&lsn=" + lsn(0x1000 + 8L * 99));
            assertArrayEquals(page(i, 0x1000 + 8L * i), old.body(), "page " + i + " at an older LSN");
        }
        HttpJson.Response range = http.get(TL + "/pages?start=" + key(0) + "&end=" + key(100));
        assertEquals(200, range.status());
        String[] lines = range.text().split("\n");
        assertEquals(100, lines.length);
        JsonNode last = Json.MAPPER.readTree(lines[99]);
        assertArrayEquals(page(99, 0x3000 + 8 * 99), Base64.getDecoder().decode(last.get("image").asText()));
    }

    @Test
    void serveIngestReadCompactStopRestartReadAgain() throws Exception {
        Path data = dir.resolve("data");
        LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
        Process[] proc = new Process[1];
        String url = serve(data, out, proc);
        HttpJson http = new HttpJson(url);
        // the transport depends on the kernel (io_uring, else epoll or NIO): it is reported, not required
        String transport = http.get("/v1/status").json().get("http_transport").asText();
        assertTrue(transport.endsWith("ServerSocketChannel"), transport);
        assertEquals(201, http.post("/v1/tenant", "{\"new_tenant_id\":\"" + T + "\"}").status());
        assertEquals(201, http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + L + "\"}")
                .status());
        assertEquals(200, http.post(TL + "/ingest?flush=true", lines(100, 0x1000)).status());
        assertEquals(200, http.post(TL + "/ingest?flush=true", lines(100, 0x2000)).status());
        assertEquals(200, http.post(TL + "/ingest", lines(100, 0x3000)).status()); // in memory at SIGTERM time
        checkPages(http);

        JsonNode compacted = lastJson(run(strata("compact", "--url", url, "--tenant", T, "--timeline", L,
                "--force-l0", "--force-image")));
        assertEquals("DONE", compacted.get("outcome").asText(), compacted.toString());
        assertEquals(2, compacted.get("removed").size(), "both L0 layers: " + compacted);
        checkPages(http);

        proc[0].toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
        assertTrue(proc[0].waitFor(120, TimeUnit.SECONDS), "strata serve did not stop: " + out);
        assertEquals(0, proc[0].exitValue(), String.join("\n", out));
        reader.join(10_000); // the output's last lines
        assertTrue(out.stream().anyMatch(l -> l.contains("strata: stopped, every timeline flushed")),
                () -> "reader alive " + reader.isAlive() + ", exit " + proc[0].exitValue() + ": " + out);

        JsonNode gc = lastJson(run(strata("gc", "--data", data.toString(), "--tenant", T, "--timeline", L,
                "--horizon", "0", "--pitr-seconds", "0")));
        assertEquals(lsn(0x3000 + 8 * 99), gc.get("new_cutoff").asText(), gc.toString());

        LinkedBlockingQueue<String> out2 = new LinkedBlockingQueue<>();
        String url2 = serve(data, out2, proc);
        // the picture's address follows the listening line
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (out2.stream().noneMatch(l -> l.contains("ui/tenant/" + T + "/timeline/" + L))
                && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertTrue(out2.stream().anyMatch(l -> l.contains("ui/tenant/" + T + "/timeline/" + L)), out2.toString());
        HttpJson http2 = new HttpJson(url2);
        JsonNode info = http2.get(TL).json();
        assertEquals(lsn(0x3000 + 8 * 99), info.get("disk_consistent_lsn").asText(), "flushed at SIGTERM");
        for (int i = 0; i < 100; i += 11) {
            assertArrayEquals(page(i, 0x3000 + 8L * i), http2.get(TL + "/page?key=" + key(i)).body());
        }
        HttpJson.Response belowGc = http2.get(TL + "/page?key=" + key(1) + "&lsn=" + lsn(0x1000 + 8 * 99));
        assertEquals(412, belowGc.status(), "GC moved the cutoff to the last record LSN: " + belowGc.text());
        proc[0].toHandle().destroy();
        assertTrue(proc[0].waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, proc[0].exitValue(), String.join("\n", out2));
    }
}
