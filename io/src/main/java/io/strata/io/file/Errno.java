package io.strata.io.file;

/**
 * Linux errno values Strata names in its errors. Kernel completions carry {@code -errno}; a name makes the
 * message readable without a man page.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOTEMPTY = 39;
    public static final int EOPNOTSUPP = 95;
    public static final int EDQUOT = 122;
    public static final int ECANCELED = 125;

    private Errno() {
    }

    /** Symbolic name of an errno ({@code 28 -> "ENOSPC"}), or {@code "errno N"} for one not listed. */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EXDEV -> "EXDEV";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case EINVAL -> "EINVAL";
            case EMFILE -> "EMFILE";
            case EFBIG -> "EFBIG";
            case ENOSPC -> "ENOSPC";
            case EROFS -> "EROFS";
            case ENAMETOOLONG -> "ENAMETOOLONG";
            case ENOTEMPTY -> "ENOTEMPTY";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EDQUOT -> "EDQUOT";
            case ECANCELED -> "ECANCELED";
            default -> "errno " + errno;
        };
    }

    /** Short description for the errnos storage code meets most. */
    public static String describe(int errno) {
        return switch (errno) {
            case ENOENT -> "no such file or directory";
            case EIO -> "input/output error";
            case EBADF -> "bad file descriptor";
            case EACCES -> "permission denied";
            case EEXIST -> "file exists";
            case EINVAL -> "invalid argument";
            case ENOSPC -> "no space left on device";
            case EROFS -> "read-only file system";
            case EFBIG -> "file too large";
            case EDQUOT -> "disk quota exceeded";
            case ECANCELED -> "operation canceled";
            case EOPNOTSUPP -> "operation not supported";
            default -> "";
        };
    }
}
