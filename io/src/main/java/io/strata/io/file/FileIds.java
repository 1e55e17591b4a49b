package io.strata.io.file;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Engine SPI: the source of {@link DirectFile#id()}. One counter for every engine, so ids stay process-unique even
 * when engines of different kinds run in one process (caches key blocks by file id).
 */
public final class FileIds {
    private static final AtomicLong LAST = new AtomicLong();

    private FileIds() {
    }

    /** A new id, never handed out before in this process. */
    public static long next() {
        return LAST.incrementAndGet();
    }
}
