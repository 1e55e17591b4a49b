package io.strata.io.file;

import java.util.Locale;

/** The I/O engines Strata has. */
public enum IoEngineKind {
    /** Choose io_uring when the kernel and the native library allow it, else FileChannel. */
    AUTO,
    /** io_uring rings on Netty 4.2's IoUringIoHandler. */
    URING,
    /** FileChannel with ExtendedOpenOption.DIRECT on a bounded thread pool. */
    FILECHANNEL;

    public static IoEngineKind parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (v) {
            case "auto" -> AUTO;
            case "uring", "iouring" -> URING;
            case "filechannel", "fc", "channel" -> FILECHANNEL;
            default -> throw new IllegalArgumentException("unknown io engine '" + s
                    + "': expected one of auto, uring, filechannel");
        };
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
