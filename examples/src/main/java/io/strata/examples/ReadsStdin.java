package io.strata.examples;

import java.io.InputStream;

/**
 * A command that reads its input from standard input. {@link StrataMain#commandLine(InputStream)} hands it the
 * stream to read, so tests (and embedders) pass their own input without {@code System.setIn}.
 */
public interface ReadsStdin {
    void stdin(InputStream in);
}
