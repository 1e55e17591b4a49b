package io.strata.examples.layer;

/**
 * A failure of a {@code strata layer} command whose message is the whole line the user sees after
 * {@code "strata: "}: already names the file or the input line, never spans lines.
 */
final class LayerCliException extends RuntimeException {
    LayerCliException(String message) {
        super(oneLine(message));
    }

    LayerCliException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Collapses line breaks (Jackson and I/O messages may contain them) so the error stays one line. */
    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
