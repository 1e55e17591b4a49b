package io.strata.io.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** O_DIRECT alignment rules: offsets, lengths and buffer addresses must be multiples of the block size. */
public final class Alignment {
    /** The floor: no device Strata supports wants less, and 4 KiB pages keep page-cache-free I/O cheap. */
    public static final int MIN = 4096;
    /** The smallest logical block size of a Linux block device: the finest a direct read can be aligned. */
    public static final int SECTOR = 512;

    private Alignment() {
    }

    /** The alignment for files under {@code dir}: the file store's block size, never below {@link #MIN}. */
    public static int forDirectory(Path dir) {
        try {
            Path existing = dir;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return MIN;
            }
            long bs = Files.getFileStore(existing).getBlockSize();
            return (int) Math.max(MIN, Math.min(bs, 1 << 20));
        } catch (IOException | UnsupportedOperationException e) {
            return MIN;
        }
    }

    /**
     * The alignment of direct reads of files under {@code dir}: the logical block size of the device holding it
     * (sysfs), when the kernel can read at that grain and it is finer than {@link #forDirectory}; else
     * {@link #forDirectory}. Blocking: call it when configuring.
     */
    public static int readForDirectory(Path dir) {
        int whole = forDirectory(dir);
        long logical = BlockDeviceLimits.logicalBlockSize(dir);
        if (logical == BlockDeviceLimits.UNKNOWN || logical < SECTOR || logical > whole
                || Long.bitCount(logical) != 1) {
            return whole;
        }
        return (int) logical;
    }

    public static boolean isAligned(long value, int alignment) {
        return (value & (alignment - 1)) == 0;
    }

    public static long alignUp(long value, int alignment) {
        return (value + alignment - 1) & -(long) alignment;
    }

    public static long alignDown(long value, int alignment) {
        return value & -(long) alignment;
    }

    /**
     * Rejects a request the kernel would refuse with EINVAL under O_DIRECT, naming what is misaligned,
     * before it reaches the kernel.
     */
    public static void check(String operation, Path path, long offset, long address, int length, int alignment) {
        if (offset < 0) {
            throw new IllegalArgumentException(operation + " on " + path + ": negative offset " + offset);
        }
        if (length <= 0) {
            throw new IllegalArgumentException(operation + " on " + path + ": length must be positive, got " + length);
        }
        if (!isAligned(offset, alignment)) {
            throw new IllegalArgumentException(operation + " on " + path + ": offset " + offset
                    + " is not a multiple of the " + alignment + "-byte O_DIRECT alignment");
        }
        if (!isAligned(length, alignment)) {
            throw new IllegalArgumentException(operation + " on " + path + " at offset " + offset + ": length "
                    + length + " is not a multiple of the " + alignment + "-byte O_DIRECT alignment");
        }
        if (!isAligned(address, alignment)) {
            throw new IllegalArgumentException(operation + " on " + path + " at offset " + offset
                    + ": buffer address 0x" + Long.toHexString(address) + " is not " + alignment + "-byte aligned");
        }
    }
}
