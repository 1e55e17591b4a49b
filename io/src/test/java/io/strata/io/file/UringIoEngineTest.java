package io.strata.io.file;

import io.strata.io.uring.UringIoEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

class UringIoEngineTest extends IoEngineContract {
    @BeforeAll
    static void requireIoUring() {
        // CI machines of this project have io_uring; a developer host without it runs the FileChannel suite only.
        Assumptions.assumeTrue(UringIoEngine.isAvailable(), () -> "io_uring unavailable: "
                + UringIoEngine.unavailabilityCause());
    }

    @Override
    IoEngine newEngine(IoConfig config) {
        return new UringIoEngine(config.withMaxInFlight(64)); // small slot table: the waiting queue gets exercised
    }

    @Override
    IoEngineKind expectedKind() {
        return IoEngineKind.URING;
    }

    @org.junit.jupiter.api.Test
    void earlySubmissionIsOnByDefaultAndCanBeTurnedOff() {
        // Guards the Netty-internal hook: an upgrade that removes it must be noticed, not silently slower.
        org.junit.jupiter.api.Assertions.assertTrue(((UringIoEngine) engine).earlySubmit(), engine.describe());
        System.setProperty("strata.io.uring.earlySubmit", "false");
        try (UringIoEngine late = new UringIoEngine(IoConfig.defaults())) {
            org.junit.jupiter.api.Assertions.assertFalse(late.earlySubmit(), late.describe());
        } finally {
            System.clearProperty("strata.io.uring.earlySubmit");
        }
    }

    @org.junit.jupiter.api.Test
    void adviceBacksAPoolWithTransparentHugePages() throws java.io.IOException {
        java.nio.file.Path thp = java.nio.file.Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        Assumptions.assumeTrue(java.nio.file.Files.exists(thp)
                && !java.nio.file.Files.readString(thp).contains("[never]"), "transparent huge pages are off");
        // 40 MiB: above glibc's largest mmap threshold (32 MiB), so the slab is a mapping of its own. An 8 MiB slab
        // once came from memory an earlier test had advised (4 MiB of it already huge before the advice).
        io.strata.io.buffer.AlignedBufferPool big = new io.strata.io.buffer.AlignedBufferPool(1 << 20, 40, 4096);
        long address = big.hugePageRegions().get(0).address();
        long regionBytes = big.hugePageRegions().stream().mapToLong(r -> r.length()).sum();
        org.junit.jupiter.api.Assertions.assertTrue(regionBytes >= 38L << 20, "huge page regions: " + regionBytes);
        org.junit.jupiter.api.Assertions.assertEquals(0, anonHugeKib(address), "huge before the advice");
        org.junit.jupiter.api.Assertions.assertEquals(regionBytes, engine.adviseHugePages(big).block(T));
        org.junit.jupiter.api.Assertions.assertTrue(anonHugeKib(address) >= regionBytes / 1024,
                "mapping at 0x" + Long.toHexString(address) + " has " + anonHugeKib(address) + " kB in huge pages");
    }

    /** AnonHugePages of the mapping of this process that holds {@code address}, from /proc/self/smaps. */
    private static long anonHugeKib(long address) throws java.io.IOException {
        boolean inside = false;
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = address >= start && address < end;
            } else if (inside && line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no mapping holds 0x" + Long.toHexString(address));
    }

    @Override
    int openFiles() {
        return ((UringIoEngine) engine).openFiles();
    }
}
