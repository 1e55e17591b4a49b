package io.strata.io.file;

import io.strata.io.uring.UringIoEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** The engine contract with every ring in poll mode (IoConfig.pollMicros): polling must change nothing else. */
class PollingUringIoEngineTest extends IoEngineContract {
    @BeforeAll
    static void requireIoUring() {
        Assumptions.assumeTrue(UringIoEngine.isAvailable(), () -> "io_uring unavailable: "
                + UringIoEngine.unavailabilityCause());
    }

    @Override
    IoEngine newEngine(IoConfig config) {
        return new UringIoEngine(config.withMaxInFlight(64).withPollMicros(200));
    }

    @Override
    IoEngineKind expectedKind() {
        return IoEngineKind.URING;
    }

    @Override
    int openFiles() {
        return ((UringIoEngine) engine).openFiles();
    }
}
