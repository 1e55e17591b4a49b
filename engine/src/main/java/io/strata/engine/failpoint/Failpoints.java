package io.strata.engine.failpoint;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Named failpoints (Neon's {@code fail::fail_point!}): code reaches {@link #hit} (reactive) or {@link #check}
 * (synchronous) at a point where an error, a crash or a concurrent change must leave things consistent; a test
 * {@link #arm arms} the name with an {@link Action}: fail there, sleep there, or pause there until disarmed.
 * Unarmed, a check is one map lookup on an empty map. Process-wide, so tests that arm one must not run
 * concurrently with others reaching it.
 *
 * <p>Names follow Neon's where Neon has the point (for example {@code delta-layer-writer-fail-before-finish}).
 */
public final class Failpoints {
    private static final Map<String, Action> ARMED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> HITS = new ConcurrentHashMap<>();

    private Failpoints() {
    }

    /** Thrown (or emitted) at a failpoint armed with {@link Action#error()}. */
    public static final class FailpointException extends RuntimeException {
        private final String name;

        FailpointException(String name, Object context) {
            super("failpoint " + name + " hit" + (context == null ? "" : " (" + context + ")"));
            this.name = name;
        }

        public String failpoint() {
            return name;
        }
    }

    /** What an armed failpoint does when reached. */
    public sealed interface Action {
        /** Fail with {@link FailpointException}. */
        static Action error() {
            return Error.INSTANCE;
        }

        /** Delay the operation by {@code d} (on a timer, never blocking the caller's thread). */
        static Action sleep(Duration d) {
            return new Sleep(Objects.requireNonNull(d, "duration"));
        }

        /** Hold the operation until the failpoint is disarmed (then it continues as if unarmed). */
        static Action pause() {
            return new Pause(Sinks.empty());
        }
    }

    private enum Error implements Action {
        INSTANCE
    }

    private record Sleep(Duration duration) implements Action {
    }

    private record Pause(Sinks.Empty<Void> released) implements Action {
    }

    /** Disarms the failpoint when closed (and lets paused operations go). */
    public interface Armed extends AutoCloseable {
        @Override
        void close();
    }

    /** Arms {@code name} to fail until the returned handle is closed. */
    public static Armed arm(String name) {
        return arm(name, Action.error());
    }

    /** Arms {@code name} with {@code action} until the returned handle is closed. */
    public static Armed arm(String name, Action action) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(action, "action");
        Action previous = ARMED.put(name, action);
        release(previous);
        return () -> {
            if (ARMED.remove(name, action)) {
                release(action);
            }
        };
    }

    private static void release(Action a) {
        if (a instanceof Pause p) {
            p.released().tryEmitEmpty();
        }
    }

    /** Whether {@code name} is armed now. */
    public static boolean isArmed(String name) {
        return !ARMED.isEmpty() && ARMED.containsKey(name);
    }

    /**
     * Reaches the failpoint: empty when unarmed; else the armed action as a Mono (an error, a delay, or a wait for
     * the disarm). {@code context} (a path, a timeline) goes into the error message; may be null. Lazy: the
     * failpoint is looked up on subscription.
     */
    public static Mono<Void> hit(String name, Object context) {
        return Mono.defer(() -> reach(name, context));
    }

    private static Mono<Void> reach(String name, Object context) {
        if (ARMED.isEmpty()) {
            return Mono.empty();
        }
        Action a = ARMED.get(name);
        if (a == null) {
            return Mono.empty();
        }
        counter(name).incrementAndGet();
        if (a instanceof Sleep s) {
            return Mono.delay(s.duration()).then();
        }
        if (a instanceof Pause p) {
            return p.released().asMono();
        }
        return Mono.error(new FailpointException(name, context));
    }

    /**
     * Synchronous form for code that cannot return a Mono: throws {@link FailpointException} if {@code name} is
     * armed to fail. A sleep or pause cannot be honoured without blocking, so arming those here is refused.
     *
     * @throws FailpointException naming the failpoint
     */
    public static void check(String name) {
        if (ARMED.isEmpty()) {
            return;
        }
        Action a = ARMED.get(name);
        if (a == null) {
            return;
        }
        counter(name).incrementAndGet();
        if (a != Error.INSTANCE) {
            throw new IllegalStateException("failpoint " + name + " is checked synchronously: only the error "
                    + "action is supported there, not " + a);
        }
        throw new FailpointException(name, null);
    }

    /** How many times {@code name} was reached while armed, since the process started. */
    public static long hits(String name) {
        AtomicLong c = HITS.get(name);
        return c == null ? 0 : c.get();
    }

    /** The failpoints reached while armed at least once, sorted (tests print which ones they exercised). */
    public static Set<String> exercised() {
        Set<String> s = new TreeSet<>();
        HITS.forEach((k, v) -> {
            if (v.get() > 0) {
                s.add(k);
            }
        });
        return s;
    }

    private static AtomicLong counter(String name) {
        return HITS.computeIfAbsent(name, k -> new AtomicLong());
    }
}
