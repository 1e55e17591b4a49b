package io.strata.io.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoConfig;
import io.strata.io.file.OpenMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poll mode (IoConfig.pollMicros): a ring's loop reaps without sleeping while its reads are in flight, and goes back
 * to sleeping in io_uring_enter once nothing is; without it, the loop never polls.
 */
class PollModeTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final int FILE_BYTES = 1 << 20;

    @TempDir
    Path dir;
    private Path path;
    private byte[] content;

    @BeforeEach
    void writeFile() throws Exception {
        Assumptions.assumeTrue(UringIoEngine.isAvailable(), () -> "io_uring unavailable: "
                + UringIoEngine.unavailabilityCause());
        content = new byte[FILE_BYTES];
        new SplittableRandom(7).nextBytes(content);
        path = dir.resolve("data");
        Files.write(path, content);
    }

    @Test
    void theLoopPollsWhileReadsAreInFlightAndSleepsOnceIdle() throws Exception {
        // a long poll window (1 s) so that every wait between these reads is a poll, never a sleep
        try (UringIoEngine engine = new UringIoEngine(IoConfig.defaults().withRings(1).withPollMicros(1_000_000))) {
            assertTrue(engine.describe().contains("poll 1000000 us"), engine.describe());
            readAll(engine);
            long afterReads = engine.pollingIterations();
            assertTrue(afterReads > 0, "the loop never polled while 64 reads were in flight one after another");
            // nothing in flight now: the loop must sleep, not spin through the rest of its poll window
            Thread.sleep(300);
            long settled = engine.pollingIterations();
            Thread.sleep(300);
            assertEquals(settled, engine.pollingIterations(), "the loop kept polling with no I/O in flight");
        }
    }

    @Test
    void withoutPollModeTheLoopNeverPolls() throws Exception {
        try (UringIoEngine engine = new UringIoEngine(IoConfig.defaults().withRings(1).withPollMicros(0))) {
            assertFalse(engine.describe().contains("poll"), engine.describe());
            readAll(engine);
            assertEquals(0, engine.pollingIterations());
        }
    }

    /** 64 reads of 16 KiB, one after another, each checked against the file. */
    private void readAll(UringIoEngine engine) {
        int align = IoConfig.defaults().alignment();
        AlignedBuffer buf = AlignedBuffer.allocate(16 * 1024, align);
        DirectFile file = engine.open(path, OpenMode.READ).block(T);
        try {
            for (int i = 0; i < 64; i++) {
                int offset = (i * 7 % 64) * 16 * 1024;
                assertEquals(16 * 1024, file.read(offset, buf, 16 * 1024).block(T));
                for (int b = 0; b < 16 * 1024; b += 509) {
                    assertEquals(content[offset + b], buf.byteBuffer().get(b), "byte " + (offset + b));
                }
            }
        } finally {
            file.close().block(T);
            buf.release();
        }
    }
}
