package io.strata.io.channel;

import io.strata.io.file.Errno;
import io.strata.io.file.IoOperationException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/** Maps Java's file exceptions onto the errno the kernel returned, so both engines fail alike. */
final class FileChannelErrors {
    private FileChannelErrors() {
    }

    static IoOperationException map(String op, Path path, long offset, Throwable e) {
        if (e instanceof IoOperationException io) {
            return io;
        }
        return new IoOperationException(op, path, offset, errnoOf(e), e);
    }

    static int errnoOf(Throwable e) {
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof FileAlreadyExistsException) {
            return Errno.EEXIST;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return Errno.ENOTEMPTY;
        }
        if (e instanceof NotDirectoryException) {
            return Errno.ENOTDIR;
        }
        String m = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (m == null) {
            return 0;
        }
        String s = m.toLowerCase(Locale.ROOT);
        if (s.contains("no space left")) {
            return Errno.ENOSPC;
        }
        if (s.contains("invalid argument")) {
            return Errno.EINVAL;
        }
        if (s.contains("input/output error")) {
            return Errno.EIO;
        }
        if (s.contains("read-only file system")) {
            return Errno.EROFS;
        }
        if (s.contains("file too large")) {
            return Errno.EFBIG;
        }
        if (s.contains("quota")) {
            return Errno.EDQUOT;
        }
        if (s.contains("bad file descriptor")) {
            return Errno.EBADF;
        }
        if (s.contains("is a directory")) {
            return Errno.EISDIR;
        }
        return 0;
    }
}
