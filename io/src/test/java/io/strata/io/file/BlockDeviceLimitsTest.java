package io.strata.io.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockDeviceLimitsTest {
    @TempDir
    Path dir;

    private Path queue(String sectorsKb, String segments) throws IOException {
        Path q = Files.createDirectories(dir.resolve("queue"));
        if (sectorsKb != null) {
            Files.writeString(q.resolve("max_sectors_kb"), sectorsKb + "\n");
        }
        if (segments != null) {
            Files.writeString(q.resolve("max_segments"), segments + "\n");
        }
        return q;
    }

    @Test
    void segmentsBoundAVirtioDisk() throws IOException {
        // this machine's vda: 4 MiB per request, but 254 segments of (worst case) one 4 KiB page each
        assertEquals(253 * 4096L, BlockDeviceLimits.fromQueue(queue("4096", "254")));
    }

    @Test
    void sectorsBoundADiskWithManySegments() throws IOException {
        assertEquals(512 * 1024L, BlockDeviceLimits.fromQueue(queue("512", "4096")));
        assertEquals(4096L, BlockDeviceLimits.fromQueue(queue("1", "4096")), "never below a page");
    }

    @Test
    void missingOrOddFilesMeanUnknown() throws IOException {
        assertEquals(BlockDeviceLimits.UNKNOWN, BlockDeviceLimits.fromQueue(queue("4096", null)));
        assertEquals(BlockDeviceLimits.UNKNOWN, BlockDeviceLimits.fromQueue(queue("lots", "128")));
        assertEquals(BlockDeviceLimits.UNKNOWN, BlockDeviceLimits.fromQueue(queue("0", "128")));
    }

    @Test
    void logicalBlockSizeComesFromTheQueue() throws IOException {
        Path q = queue("4096", "254");
        assertEquals(BlockDeviceLimits.UNKNOWN, BlockDeviceLimits.logicalBlockSizeFromQueue(q));
        Files.writeString(q.resolve("logical_block_size"), "512\n");
        assertEquals(512L, BlockDeviceLimits.logicalBlockSizeFromQueue(q));
        Files.writeString(q.resolve("logical_block_size"), "odd\n");
        assertEquals(BlockDeviceLimits.UNKNOWN, BlockDeviceLimits.logicalBlockSizeFromQueue(q));
    }

    @Test
    void theTempDirectoryReadsAtASectorMultipleWithinTheAlignment() {
        long logical = BlockDeviceLimits.logicalBlockSize(dir);
        assertTrue(logical == BlockDeviceLimits.UNKNOWN || (logical >= 512 && Long.bitCount(logical) == 1),
                "got " + logical);
        int read = Alignment.readForDirectory(dir);
        assertTrue(read >= Alignment.SECTOR && read <= Alignment.forDirectory(dir) && Integer.bitCount(read) == 1,
                "got " + read);
        if (logical != BlockDeviceLimits.UNKNOWN && logical <= Alignment.forDirectory(dir)) {
            assertEquals(logical, read);
        }
    }

    @Test
    void devNumbersSplitAsGlibcDoes() {
        assertEquals(254, BlockDeviceLimits.major(0xfe00L));
        assertEquals(0, BlockDeviceLimits.minor(0xfe00L));
        assertEquals(259, BlockDeviceLimits.major(0x10301L));
        assertEquals(1, BlockDeviceLimits.minor(0x10301L));
        // large numbers use the high bits: makedev(0x12345, 0x6789a)
        long dev = ((0x12345L & 0x00000fffL) << 8) | ((0x12345L & 0xfffff000L) << 32)
                | (0x6789aL & 0x000000ffL) | ((0x6789aL & 0xffffff00L) << 12);
        assertEquals(0x12345L, BlockDeviceLimits.major(dev));
        assertEquals(0x6789aL, BlockDeviceLimits.minor(dev));
    }

    @Test
    void theTempDirectoryGivesAPageMultipleOrUnknown() {
        long limit = BlockDeviceLimits.maxUnsplitRead(dir.resolve("not/yet/made"));
        assertTrue(limit == BlockDeviceLimits.UNKNOWN || (limit >= 4096 && limit % 4096 == 0), "got " + limit);
    }
}
