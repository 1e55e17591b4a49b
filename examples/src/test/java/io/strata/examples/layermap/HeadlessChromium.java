package io.strata.examples.layermap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code /usr/bin/chromium}, headless, one fresh profile per run, no network but what the page asks for.
 * Missing Chromium fails the test (CI installs it in {@code .ci/run}); it is never skipped.
 */
final class HeadlessChromium {
    static final Path BINARY = Path.of(System.getProperty("strata.chromium", "/usr/bin/chromium"));
    private static final long TIMEOUT_SECONDS = 40;

    private final Path work;
    private int runs;

    HeadlessChromium(Path work) {
        assertTrue(Files.isExecutable(BINARY), BINARY + " is missing: install Debian's chromium "
                + "(apt-get install chromium; .ci/run does it) or point -Dstrata.chromium at one");
        this.work = work;
    }

    /** The DOM of {@code url} after {@code virtualMillis} of virtual time (timers run, fetches are waited for). */
    String dumpDom(String url, int virtualMillis) throws IOException, InterruptedException {
        return run(List.of("--virtual-time-budget=" + virtualMillis, "--dump-dom", url));
    }

    /** A PNG screenshot of {@code url} in a window of {@code width} x {@code height}, after {@code virtualMillis}. */
    Path screenshot(String url, int width, int height, int virtualMillis) throws IOException, InterruptedException {
        Path png = work.resolve("screenshot-" + (runs + 1) + ".png");
        run(List.of("--virtual-time-budget=" + virtualMillis, "--hide-scrollbars", "--window-size=" + width + ","
                + height, "--screenshot=" + png, url));
        assertTrue(Files.size(png) > 0, "chromium wrote " + png);
        return png;
    }

    private String run(List<String> args) throws IOException, InterruptedException {
        runs++;
        Path profile = Files.createDirectories(work.resolve("profile-" + runs));
        Path out = work.resolve("chromium-" + runs + ".out");
        Path err = work.resolve("chromium-" + runs + ".err");
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + cmd + "\n" + tail(err));
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + cmd + "\n" + tail(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String tail(Path err) {
        try {
            List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }
}
