package io.strata.io.file;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A failed file operation, with everything needed to find the cause: the operation, the path, the file offset
 * (or -1 when the operation has none) and the errno (0 when the failure did not come from the kernel).
 */
public final class IoOperationException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final transient Path path;
    private final long offset;
    private final int errno;

    public IoOperationException(String operation, Path path, long offset, int errno) {
        this(operation, path, offset, errno, null);
    }

    public IoOperationException(String operation, Path path, long offset, int errno, Throwable cause) {
        super(message(operation, path, offset, errno, cause), cause);
        this.operation = operation;
        this.path = path;
        this.offset = offset;
        this.errno = errno;
    }

    private static String message(String operation, Path path, long offset, int errno, Throwable cause) {
        StringBuilder sb = new StringBuilder(operation).append(" failed on ").append(path);
        if (offset >= 0) {
            sb.append(" at offset ").append(offset);
        }
        if (errno != 0) {
            sb.append(": ").append(Errno.name(errno));
            String d = Errno.describe(errno);
            if (!d.isEmpty()) {
                sb.append(" (").append(d).append(')');
            }
        } else if (cause != null && cause.getMessage() != null) {
            sb.append(": ").append(cause.getMessage());
        }
        return sb.toString();
    }

    public String operation() {
        return operation;
    }

    public Path path() {
        return path;
    }

    public long offset() {
        return offset;
    }

    /** The errno, or 0 when the failure has no kernel error code. */
    public int errno() {
        return errno;
    }
}
