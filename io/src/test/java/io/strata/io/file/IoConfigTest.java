package io.strata.io.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsAlignLikeWritesUnlessAlignedForADevice() {
        IoConfig d = IoConfig.defaults();
        assertEquals(d.alignment(), d.readAlignment());
        assertEquals(512, d.withReadAlignment(512).readAlignment());
        // a coarser alignment keeps the read alignment; a finer one clamps it
        assertEquals(512, d.withReadAlignment(512).withAlignment(8192).readAlignment());
        assertEquals(8192, d.withAlignment(8192).withReadAlignment(8192).alignment());
        assertEquals(4096, d.withAlignment(8192).withReadAlignment(8192).withAlignment(4096).readAlignment());
    }

    @Test
    void pollModeIsOffByDefaultBoundedAndKeptByTheOtherSettings() {
        IoConfig d = IoConfig.defaults();
        assertEquals(0, d.pollMicros(), "poll mode is opt-in");
        IoConfig p = d.withPollMicros(200);
        assertEquals(200, p.withRings(1).withMaxInFlight(64).withAlignment(8192).withReadAlignment(512)
                .withFileChannelThreads(3).withEngine(IoEngineKind.URING).pollMicros());
        for (int bad : new int[] {-1, IoConfig.MAX_POLL_MICROS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withPollMicros(bad));
            assertTrue(e.getMessage().contains("pollMicros") && e.getMessage().contains(String.valueOf(bad)),
                    e.getMessage());
        }
        System.setProperty(IoConfig.POLL_PROPERTY, "150");
        try {
            assertEquals(150, IoConfig.defaults().pollMicros());
        } finally {
            System.clearProperty(IoConfig.POLL_PROPERTY);
        }
    }

    @Test
    void readAlignmentMustBeASectorPowerOfTwoWithinTheAlignment() {
        IoConfig d = IoConfig.defaults();
        for (int bad : new int[] {256, 768, 8192}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withReadAlignment(bad));
            assertTrue(e.getMessage().contains("readAlignment") && e.getMessage().contains(String.valueOf(bad)),
                    e.getMessage());
        }
    }

    @Test
    void alignedForTakesTheDevicesGrainUnlessTurnedOff() {
        IoConfig aligned = IoConfig.defaults().alignedFor(dir);
        assertEquals(Math.max(Alignment.MIN, Alignment.forDirectory(dir)), aligned.alignment());
        assertEquals(Math.min(aligned.alignment(), Alignment.readForDirectory(dir)), aligned.readAlignment());
        System.setProperty(IoConfig.FINE_READS_PROPERTY, "false");
        try {
            IoConfig whole = IoConfig.defaults().alignedFor(dir);
            assertEquals(whole.alignment(), whole.readAlignment());
        } finally {
            System.clearProperty(IoConfig.FINE_READS_PROPERTY);
        }
    }
}
