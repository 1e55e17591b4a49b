package io.strata.engine.layer;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The summary in a layer file differs from the one its name and tenant imply (Neon's "in-file summary does not
 * match expected summary"). Names the first differing field, so a renamed or misplaced file is easy to spot.
 */
public final class LayerSummaryMismatchException extends RuntimeException {
    private final transient Path path;
    private final String field;

    public LayerSummaryMismatchException(Path path, String field, Object actual, Object expected,
                                         LayerSummary actualSummary, LayerSummary expectedSummary) {
        super("in-file summary of " + path + " does not match the expected summary: " + field + " is " + actual
                + ", expected " + expected + " (actual = " + actualSummary + ", expected = " + expectedSummary + ")");
        this.path = path;
        this.field = field;
    }

    public Path path() {
        return path;
    }

    /** Neon's field name, e.g. {@code key_range}. */
    public String field() {
        return field;
    }

    /** Throws for the first field (in declaration order) whose values differ. */
    public static void check(Path path, LayerSummary actual, LayerSummary expected, String field, Object a, Object e) {
        if (!Objects.equals(a, e)) {
            throw new LayerSummaryMismatchException(path, field, a, e, actual, expected);
        }
    }
}
