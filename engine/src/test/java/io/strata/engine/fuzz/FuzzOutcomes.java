package io.strata.engine.fuzz;

import java.util.List;

/**
 * The fuzz targets' rule for a failing input: it may only fail with one of the documented exceptions, with a
 * message, and nothing in its cause chain may be a programming error. A {@code NullPointerException} wrapped in a
 * corruption exception is still a finding, so the whole chain is checked, not just the top: below the top, a
 * documented exception or a checked one (a JSON parser's, an I/O error) is fine, an {@link Error} or any other
 * unchecked exception is not.
 */
final class FuzzOutcomes {
    /** Exceptions that say an input is bad; anything else (NPE, index out of bounds, OOM...) is a bug. */
    private final List<Class<? extends Throwable>> documented;
    /** Further exceptions allowed only as a cause of a documented one (a planner's complaint, wrapped with the path). */
    private final List<Class<? extends Throwable>> causes;

    @SafeVarargs
    FuzzOutcomes(Class<? extends Throwable>... documented) {
        this(List.of(documented), List.of());
    }

    private FuzzOutcomes(List<Class<? extends Throwable>> documented, List<Class<? extends Throwable>> causes) {
        this.documented = documented;
        this.causes = causes;
    }

    @SafeVarargs
    final FuzzOutcomes allowingCauses(Class<? extends Throwable>... more) {
        return new FuzzOutcomes(documented, List.of(more));
    }

    /** Throws an {@link AssertionError} carrying {@code t} unless it is a documented, clear failure. */
    void check(Throwable t, String input) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            boolean checked = c instanceof Exception && !(c instanceof RuntimeException);
            boolean allowedCause = c != t && isAny(causes, c);
            if (!isDocumented(c) && !allowedCause && (c == t || !checked)) {
                throw new AssertionError("undocumented " + c.getClass().getName() + " for input " + input
                        + (c == t ? "" : " (cause of " + t.getClass().getName() + ")"), t);
            }
            if (isDocumented(c) && (c.getMessage() == null || c.getMessage().isBlank())) {
                throw new AssertionError(c.getClass().getName() + " without a message for input " + input, t);
            }
        }
    }

    private static boolean isAny(List<Class<? extends Throwable>> kinds, Throwable t) {
        for (Class<? extends Throwable> k : kinds) {
            if (k.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private boolean isDocumented(Throwable t) {
        for (Class<? extends Throwable> c : documented) {
            if (c.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
