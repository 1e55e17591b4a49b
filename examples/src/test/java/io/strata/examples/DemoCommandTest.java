package io.strata.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
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
    void demoWritesAndVerifiesAFileInTheDataDirectory() throws Exception {
        for (String engine : new String[] {"filechannel", "auto"}) {
            Path data = dir.resolve(engine);
            String out = run("demo", "--data", data.toString(), "--size-mib", "4", "--reads", "777", "--batch", "16",
                    "--engine", engine);
            assertTrue(out.contains("read back  777 random 8 KiB blocks"), out);
            assertTrue(out.contains("all checksums match"), out);
            Path file = data.resolve("demo").resolve("demo-4m.dat");
            assertEquals(4L << 20, Files.size(file));
            try (Stream<Path> s = Files.list(data.resolve("demo"))) {
                assertEquals(1, s.count(), "only the finished file remains, no ___temp");
            }
        }
    }

    @Test
    void badArgumentsFailWithAMessage() {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = StrataMain.commandLine().execute("demo", "--engine", "epoll", "--data",
                    dir.toString());
            assertTrue(code != 0);
            String msg = err.toString(StandardCharsets.UTF_8);
            assertEquals("strata: unknown io engine 'epoll': expected one of auto, uring, filechannel", msg.strip());
        } finally {
            System.setErr(oldErr);
        }
    }
}
