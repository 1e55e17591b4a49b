package io.strata.io.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the block device under a directory takes as one request, from Linux's {@code /sys/dev/block/MAJ:MIN/queue}.
 *
 * <p>Why it matters: the kernel splits an O_DIRECT read that needs more than {@code max_segments} memory segments
 * or more than {@code max_sectors_kb}. A direct buffer's 4 KiB pages are physically contiguous only by chance, so
 * in the worst case every page is a segment: on a virtio disk with 254 segments a read of 1 MiB plus a few KiB
 * becomes two requests of about 512 KiB, and a device that serves a fixed number of requests per second then
 * delivers half the bytes. Measured here: the same whole-layer scan made 1,024 KiB requests in one process and
 * 510 KiB requests in the next, depending on where its buffers landed.
 *
 * <p>Blocking (reads sysfs): call it when configuring, not on an event loop.
 */
public final class BlockDeviceLimits {
    /** Nothing known about the device (not Linux, not a block device, sysfs unreadable): no limit. */
    public static final long UNKNOWN = Long.MAX_VALUE;
    /** The memory page size on the platforms Strata runs on (x86_64, aarch64 with 4 KiB pages). */
    static final int PAGE = 4096;

    private BlockDeviceLimits() {
    }

    /**
     * The largest read, in bytes, that the device holding {@code path} (a file or a directory, or the nearest
     * existing parent) serves as one request whatever the buffer's physical pages: {@code max_sectors_kb} KiB, and
     * {@code max_segments - 1} pages (one page is spared for a buffer that does not start on a page). A multiple
     * of 4 KiB; {@link #UNKNOWN} when it cannot be found out.
     */
    public static long maxUnsplitRead(Path path) {
        return fromQueueOf(path, BlockDeviceLimits::fromQueue);
    }

    /**
     * The logical block size of the device holding {@code path} (the finest O_DIRECT alignment it takes), from
     * {@code queue/logical_block_size}; {@link #UNKNOWN} when it cannot be found out.
     */
    public static long logicalBlockSize(Path path) {
        return fromQueueOf(path, BlockDeviceLimits::logicalBlockSizeFromQueue);
    }

    /** A figure read from the sysfs queue of the device holding {@code path}. */
    private interface QueueReader {
        long read(Path queue) throws IOException;
    }

    private static long fromQueueOf(Path path, QueueReader reader) {
        try {
            Path queue = queueOf(path);
            return queue == null ? UNKNOWN : reader.read(queue);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return UNKNOWN;
        }
    }

    /** The logical block size from a sysfs {@code queue} directory; {@link #UNKNOWN} when missing or odd. */
    static long logicalBlockSizeFromQueue(Path queue) throws IOException {
        long size = readLong(queue.resolve("logical_block_size"));
        return size <= 0 ? UNKNOWN : size;
    }

    /** The sysfs queue directory of the device holding {@code path} (or its nearest existing parent), or null. */
    private static Path queueOf(Path path) throws IOException {
        Path existing = path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return null;
        }
        Object dev = Files.getAttribute(existing, "unix:dev");
        if (!(dev instanceof Long d)) {
            return null;
        }
        Path device = Path.of("/sys/dev/block", major(d) + ":" + minor(d));
        if (!Files.isDirectory(device)) {
            return null; // not a block device: tmpfs, overlay, a network file system
        }
        Path queue = device.resolve("queue");
        if (!Files.isDirectory(queue)) {
            queue = device.toRealPath().getParent().resolve("queue"); // a partition: its disk's queue
        }
        return queue;
    }

    /** The limit from a sysfs {@code queue} directory; {@link #UNKNOWN} when its files are missing or odd. */
    static long fromQueue(Path queue) throws IOException {
        long sectorsKb = readLong(queue.resolve("max_sectors_kb"));
        long segments = readLong(queue.resolve("max_segments"));
        if (sectorsKb <= 0 || segments <= 1) {
            return UNKNOWN;
        }
        long bySize = sectorsKb * 1024;
        long bySegments = (segments - 1) * PAGE;
        long limit = Math.min(bySize, bySegments);
        return Math.max(PAGE, limit / PAGE * PAGE);
    }

    private static long readLong(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return -1;
        }
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Linux's {@code major()} of a {@code dev_t}. */
    static long major(long dev) {
        return ((dev & 0x00000000000fff00L) >>> 8) | ((dev & 0xfffff00000000000L) >>> 32);
    }

    /** Linux's {@code minor()} of a {@code dev_t}. */
    static long minor(long dev) {
        return (dev & 0x00000000000000ffL) | ((dev & 0x00000ffffff00000L) >>> 12);
    }
}
