package io.strata.perf;

import io.strata.io.channel.FileChannelIoEngine;
import io.strata.io.file.Alignment;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.uring.UringIoEngine;
import java.util.Locale;

/** The Strata engines a benchmark can drive, each built directly (not through IoEngines' AUTO choice). */
public enum BenchEngine {
    URING("uring", "strata-uring"),
    FILECHANNEL("filechannel", "strata-filechannel");

    private final String optionName;
    private final String label;

    BenchEngine(String optionName, String label) {
        this.optionName = optionName;
        this.label = label;
    }

    /** The name on the command line: {@code uring}, {@code filechannel}. */
    public String optionName() {
        return optionName;
    }

    /** The name in tables and JSON: {@code strata-uring}, {@code strata-filechannel}. */
    public String label() {
        return label;
    }

    /** The JSON ratio key part: {@code strata_uring}. */
    public String ratioKey() {
        return label.replace('-', '_');
    }

    public static BenchEngine parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (BenchEngine e : values()) {
            if (e.optionName.equals(v) || e.label.equals(v)) {
                return e;
            }
        }
        if (v.equals("fc") || v.equals("channel")) {
            return FILECHANNEL;
        }
        if (v.equals("io_uring") || v.equals("iouring")) {
            return URING;
        }
        throw new IllegalArgumentException("unknown engine '" + s + "': expected uring or filechannel");
    }

    /**
     * Builds the engine for queue depths up to {@code maxQd}: enough io_uring slots (or FileChannel threads) that
     * every read of the deepest run is in the kernel at once.
     */
    public IoEngine create(int maxQd, int rings) {
        return create(maxQd, rings, Alignment.MIN);
    }

    /** As {@link #create(int, int)}, reading at {@code readAlignment} where the engine can (io_uring). */
    public IoEngine create(int maxQd, int rings, int readAlignment) {
        return create(maxQd, rings, readAlignment, 0);
    }

    /** As {@link #create(int, int, int)}, io_uring rings polling for {@code pollMicros} (IoConfig.pollMicros). */
    public IoEngine create(int maxQd, int rings, int readAlignment, int pollMicros) {
        int ringSize = Math.max(256, Integer.highestOneBit(Math.max(1, maxQd - 1)) << 1);
        IoConfig cfg = new IoConfig(kind(), rings, Math.min(ringSize, 32768), Math.max(256, maxQd),
                Math.max(1, maxQd), Alignment.MIN, this == URING ? readAlignment : Alignment.MIN, pollMicros);
        return switch (this) {
            case URING -> {
                if (!UringIoEngine.isAvailable()) {
                    Throwable why = UringIoEngine.unavailabilityCause();
                    throw new IllegalStateException("io_uring is not available on this host ("
                            + (why == null ? "unknown reason" : why) + "); pass --engine filechannel", why);
                }
                yield new UringIoEngine(cfg);
            }
            case FILECHANNEL -> new FileChannelIoEngine(cfg);
        };
    }

    private IoEngineKind kind() {
        return this == URING ? IoEngineKind.URING : IoEngineKind.FILECHANNEL;
    }
}
