package io.strata.examples.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.value.Value;
import io.strata.examples.StrataMain;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/** Runs {@code strata} in-process with a given standard input, capturing stdout and stderr; input generators. */
final class LayerCli {
    static final String TENANT = "00112233445566778899aabbccddeeff";
    static final String TIMELINE = "ffeeddccbbaa99887766554433221100";
    /** FORMAT 12: 8192 keys of relation block keys with field4 = 0xAE, at LSN 0x0000DEADBEEF0000. */
    static final String F12_RANGE = "000000067F00000001000000AE0000000000-000000067F00000001000000AE0000002000";
    static final String F12_LSN = "DEAD/BEEF0000";
    static final String F12_NAME = F12_RANGE + "__0000DEADBEEF0000";
    static final ObjectMapper JSON = new ObjectMapper();

    private LayerCli() {
    }

    record Result(int code, String out, String err) {
        /** stdout split into lines (no trailing empty line). */
        List<String> lines() {
            return out.lines().toList();
        }

        JsonNode json(int line) {
            try {
                return JSON.readTree(lines().get(line));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Asserts success and returns the one line printed (a path). */
        String single() {
            assertEquals(0, code, () -> "exit code; stderr: " + err + "\nstdout: " + out);
            assertEquals(1, lines().size(), () -> "one line expected: " + out);
            return lines().get(0);
        }

        Result ok() {
            assertEquals(0, code, () -> "exit code; stderr: " + err + "\nstdout: " + out);
            return this;
        }
    }

    static Result run(String stdin, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = StrataMain.commandLine(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static Result run(String... args) {
        return run("", (String[]) args);
    }

    /** The arguments of {@code layer build} for an image layer. */
    static String[] buildImage(String range, String lsn, Path out, String... more) {
        return concat(new String[] {"layer", "build", "--kind", "image", "--tenant", TENANT, "--timeline", TIMELINE,
                "--key-range", range, "--lsn", lsn, "--out", out.toString()}, more);
    }

    static String[] buildDelta(String range, String lsnRange, Path out, String... more) {
        return concat(new String[] {"layer", "build", "--kind", "delta", "--tenant", TENANT, "--timeline", TIMELINE,
                "--key-range", range, "--lsn-range", lsnRange, "--out", out.toString()}, more);
    }

    static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The key of FORMAT 12's test with field6 = {@code i}. */
    static String f12Key(int i) {
        return String.format("000000067F00000001000000AE%010X", i);
    }

    /** FORMAT 12's input: 8192 lines, each image {@code 01 02 03 04}. */
    static String f12Lines() {
        StringBuilder sb = new StringBuilder(8192 * 100);
        for (int i = 0; i < 8192; i++) {
            sb.append(imageLine(f12Key(i), F12_LSN, new byte[] {1, 2, 3, 4})).append('\n');
        }
        return sb.toString();
    }

    /** One entry line exactly as {@code dump --values} prints it. */
    static String imageLine(String key, String lsn, byte[] image) {
        return "{\"key\":\"" + key + "\",\"lsn\":\"" + lsn + "\",\"value\":{\"image\":\""
                + Base64.getEncoder().encodeToString(image) + "\"}}";
    }

    /** One entry line for {@code value} (an image or a record) exactly as {@code dump --values} prints it. */
    static String valueLine(Key key, Lsn lsn, Value value) {
        if (value instanceof Value.Image image) {
            return imageLine(key.toString(), lsn.toString(), image.bytes());
        }
        byte[] bytes = value.serialize();
        return "{\"key\":\"" + key + "\",\"lsn\":\"" + lsn + "\",\"value\":{\"wal\":{\"will_init\":"
                + value.willInit() + ",\"record\":\""
                + Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, 4, bytes.length)) + "\"}}}";
    }

    static List<Path> files(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isTemp(Path p) {
        return p.getFileName().toString().endsWith(LayerName.TEMP_FILE_SUFFIX);
    }
}
