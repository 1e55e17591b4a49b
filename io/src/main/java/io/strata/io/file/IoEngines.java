package io.strata.io.file;

import io.strata.io.channel.FileChannelIoEngine;
import io.strata.io.uring.UringIoEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the configured engine; with AUTO, io_uring when this host can run it, else FileChannel. */
public final class IoEngines {
    private static final Logger log = LoggerFactory.getLogger(IoEngines.class);

    private IoEngines() {
    }

    public static IoEngine create(IoConfig config) {
        IoEngineKind requested = config.requestedEngine();
        String source = System.getProperty(IoConfig.ENGINE_PROPERTY) != null
                ? "system property " + IoConfig.ENGINE_PROPERTY : "configuration";
        IoEngine engine = switch (requested) {
            case URING -> {
                if (!UringIoEngine.isAvailable()) {
                    throw new IllegalStateException("io engine 'uring' was requested by " + source
                            + " but io_uring is not available here", UringIoEngine.unavailabilityCause());
                }
                IoEngine e = new UringIoEngine(config);
                log.info("io engine: {} (requested by {})", e.describe(), source);
                yield e;
            }
            case FILECHANNEL -> {
                IoEngine e = new FileChannelIoEngine(config);
                log.info("io engine: {} (requested by {})", e.describe(), source);
                yield e;
            }
            case AUTO -> {
                if (UringIoEngine.isAvailable()) {
                    IoEngine e = new UringIoEngine(config);
                    log.info("io engine: {} (auto: io_uring is available)", e.describe());
                    yield e;
                }
                Throwable why = UringIoEngine.unavailabilityCause();
                IoEngine e = new FileChannelIoEngine(config);
                log.info("io engine: {} (auto: io_uring unavailable: {})", e.describe(),
                        why == null ? "unknown reason" : why.toString());
                yield e;
            }
        };
        return engine;
    }
}
