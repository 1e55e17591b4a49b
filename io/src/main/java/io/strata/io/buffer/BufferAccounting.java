package io.strata.io.buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide count of {@link AlignedBuffer}s leased and not yet released, over every pool and every
 * {@link AlignedBuffer#allocate unpooled} buffer: what a leak check compares before and after a piece of work.
 * Counting is one adder update per lease and release; recording lease sites (a stack trace per lease, to name
 * the culprit of a leak) is off unless {@link #recordSites} turns it on.
 */
public final class BufferAccounting {
    private static final LongAdder LEASED = new LongAdder();
    private static final Map<AlignedBuffer, Throwable> SITES = new ConcurrentHashMap<>();
    private static volatile boolean recordSites;

    private BufferAccounting() {
    }

    static void leased(AlignedBuffer b) {
        LEASED.increment();
        if (recordSites) {
            SITES.put(b, new Throwable("leased here: " + b));
        }
    }

    static void released(AlignedBuffer b) {
        LEASED.decrement();
        if (recordSites) {
            SITES.remove(b);
        }
    }

    /** Buffers leased and not released now, process-wide. */
    public static long outstanding() {
        return LEASED.sum();
    }

    /** Records where buffers are leased from now on (a stack trace per lease), or stops and forgets them. */
    public static void recordSites(boolean on) {
        recordSites = on;
        if (!on) {
            SITES.clear();
        }
    }

    /** Lease sites of the buffers outstanding now that were leased while recording was on. */
    public static List<Throwable> outstandingSites() {
        return new ArrayList<>(SITES.values());
    }
}
