package io.strata.io.file;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the {@link DirectFile}s open now were opened, while recording is on (a stack trace per open, so off by
 * default): a leak check that finds a descriptor left open names the code that opened it.
 */
public final class OpenFileSites {
    private static final Map<DirectFile, Throwable> SITES = new ConcurrentHashMap<>();
    private static volatile boolean record;

    private OpenFileSites() {
    }

    /** Records open sites from now on, or stops and forgets them. */
    public static void record(boolean on) {
        record = on;
        if (!on) {
            SITES.clear();
        }
    }

    /** Engine SPI, at the call of {@code open}: the caller's stack while recording, else null. */
    public static Throwable capture(java.nio.file.Path path) {
        return record ? new Throwable("opened here: " + path) : null;
    }

    /** Engine SPI, once the file is open: remembers the site {@link #capture} took. */
    public static void opened(DirectFile f, Throwable site) {
        if (site != null) {
            SITES.put(f, site);
        }
    }

    static void closing(DirectFile f) {
        if (record) {
            SITES.remove(f);
        }
    }

    /** The open sites of files opened while recording was on and not closed since. */
    public static List<Throwable> sites() {
        return new ArrayList<>(SITES.values());
    }
}
