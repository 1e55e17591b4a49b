package io.strata.perf;

import java.io.PrintWriter;

/** Progress lines ("what is being done now") for the operator, on stderr so stdout stays the report. */
final class Progress {
    private final PrintWriter err;

    Progress(PrintWriter err) {
        this.err = err;
    }

    void line(String message) {
        err.println("[strata-perf] " + message);
        err.flush();
    }
}
