package io.strata.engine.compaction;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named failpoints (Neon's {@code fail::fail_point!}): code calls {@link #check} at a point where a crash or error
 * must leave things consistent; a test {@link #arm arms} the name and the check throws {@link FailpointException}
 * there. Unarmed, a check is one set lookup. Process-wide, so tests that arm one must not run concurrently with
 * others reaching it.
 */
public final class Failpoints {
    private static final Set<String> ARMED = ConcurrentHashMap.newKeySet();

    private Failpoints() {
    }

    /** Thrown at an armed failpoint. */
    public static final class FailpointException extends RuntimeException {
        private final String name;

        FailpointException(String name) {
            super("failpoint " + name + " hit");
            this.name = name;
        }

        public String failpoint() {
            return name;
        }
    }

    /** Disarms the failpoint when closed. */
    public interface Armed extends AutoCloseable {
        @Override
        void close();
    }

    /** Arms {@code name} until the returned handle is closed. */
    public static Armed arm(String name) {
        Objects.requireNonNull(name, "name");
        ARMED.add(name);
        return () -> ARMED.remove(name);
    }

    /**
     * Throws {@link FailpointException} if {@code name} is armed.
     *
     * @throws FailpointException naming the failpoint
     */
    public static void check(String name) {
        if (!ARMED.isEmpty() && ARMED.contains(name)) {
            throw new FailpointException(name);
        }
    }
}
