package io.strata.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code strata-perf service} against the real service: the packaged {@code strata.jar} runs {@code strata serve}
 * as a child process (run by failsafe after {@code package}), the load generator ingests and reads through HTTP with
 * every page checked, and reports requests/s and latency percentiles; then the service is stopped with SIGTERM.
 */
class ServiceLoadIT {
    private static final Pattern LISTENING = Pattern.compile("strata: listening on (http://\\S+/)");

    @TempDir
    Path dir;

    @Test
    void loadAgainstARunningService() throws Exception {
        Path jar = Path.of("..", "examples", "target", "strata.jar");
        assertTrue(Files.exists(jar), jar.toAbsolutePath() + " is missing: the examples module is packaged first");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(), "serve", "--data", dir.resolve("data").toString(), "--port", "0",
                "--set", "io_rings=1"));
        Process serve = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            CompletableFuture<String> url = new CompletableFuture<>();
            List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(serve.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        output.add(l);
                        Matcher m = LISTENING.matcher(l);
                        if (m.find()) {
                            url.complete(m.group(1));
                        }
                    }
                    url.completeExceptionally(new AssertionError("strata serve ended: " + output));
                } catch (Exception e) {
                    url.completeExceptionally(e);
                }
            }, "serve-output");
            reader.setDaemon(true);
            reader.start();
            String base = url.get(180, TimeUnit.SECONDS);

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new StrataPerf());
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            int rc = cl.execute("service", "--url", base, "--keys", "512", "--versions", "3", "--clients", "1,8",
                    "--seconds", "2", "--warmup-seconds", "1");
            assertEquals(0, rc, out + "\n" + err);
            String[] lines = out.toString().trim().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals("service", json.get("benchmark").asText());
            assertEquals(2, json.get("results").size());
            for (JsonNode r : json.get("results")) {
                assertTrue(r.get("requests").asLong() > 0, r.toString());
                assertEquals(0, r.get("errors").asLong(), r.toString());
                assertTrue(r.get("p50_us").asDouble() > 0 && r.get("p99_us").asDouble() >= r.get("p50_us").asDouble()
                        && r.get("p999_us").asDouble() >= r.get("p99_us").asDouble(), r.toString());
            }
            assertTrue(out.toString().contains("requests/s"), out.toString());

            // a bad URL is a clear failure, not a hang
            StringWriter err2 = new StringWriter();
            CommandLine bad = new CommandLine(new StrataPerf());
            bad.setErr(new PrintWriter(err2));
            bad.setOut(new PrintWriter(new StringWriter()));
            assertTrue(bad.execute("service", "--url", base + "nothing/", "--keys", "4", "--clients", "1",
                    "--seconds", "1") != 0);
        } finally {
            serve.destroy(); // SIGTERM: the service drains and flushes
            assertTrue(serve.waitFor(120, TimeUnit.SECONDS), "strata serve stops on SIGTERM");
            assertEquals(0, serve.exitValue());
        }
    }
}
