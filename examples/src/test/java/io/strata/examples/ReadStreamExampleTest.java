package io.strata.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadStreamExampleTest {
    @TempDir
    Path dir;

    private String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = StrataMain.commandLine().execute(args);
            assertEquals(0, code, () -> "exit code; output:\n" + out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void streamsEveryPageInBoundedRequestsAndAgainAfterARestart() {
        String first = run("example", "--data", dir.toString(), "--pages", "1500", "--rate", "50");
        assertTrue(first.contains("streamed   1500 pages"), first);
        assertTrue(first.contains("every page checked"), first);
        // 1500 pages asked for 50 at a time: the source saw at least 30 requests, never one for the whole range
        String requests = first.replaceAll("(?s).* in (\\d+) requests of at most 50.*", "$1");
        assertTrue(Integer.parseInt(requests.strip()) >= 30, first);
        // the second run reopens the flushed timeline and writes a newer generation of every page above it
        String second = run("example", "--data", dir.toString(), "--pages", "1500", "--rate", "50");
        assertTrue(second.contains("streamed   1500 pages"), second);
    }
}
