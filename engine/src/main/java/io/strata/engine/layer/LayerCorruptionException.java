package io.strata.engine.layer;

import java.nio.file.Path;

/**
 * A layer file that cannot be what it claims: bad magic or version, truncated, an index outside the file, or
 * garbage where the index should be. Always names the file, so an operator knows what to remove or re-download.
 */
public final class LayerCorruptionException extends RuntimeException {
    private final transient Path path;

    public LayerCorruptionException(Path path, String message) {
        this(path, message, null);
    }

    public LayerCorruptionException(Path path, String message, Throwable cause) {
        super("corrupt layer file " + path + ": " + message, cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
