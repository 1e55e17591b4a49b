package io.strata.io.file;

import io.strata.io.uring.UringIoEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

class UringIoEngineTest extends IoEngineContract {
    @BeforeAll
    static void requireIoUring() {
        // CI machines of this project have io_uring; a developer host without it runs the FileChannel suite only.
        Assumptions.assumeTrue(UringIoEngine.isAvailable(), () -> "io_uring unavailable: "
                + UringIoEngine.unavailabilityCause());
    }

    @Override
    IoEngine newEngine(IoConfig config) {
        return new UringIoEngine(config.withMaxInFlight(64)); // small slot table: the waiting queue gets exercised
    }

    @Override
    IoEngineKind expectedKind() {
        return IoEngineKind.URING;
    }

    @org.junit.jupiter.api.Test
    void earlySubmissionIsOnByDefaultAndCanBeTurnedOff() {
        // Guards the Netty-internal hook: an upgrade that removes it must be noticed, not silently slower.
        org.junit.jupiter.api.Assertions.assertTrue(((UringIoEngine) engine).earlySubmit(), engine.describe());
        System.setProperty("strata.io.uring.earlySubmit", "false");
        try (UringIoEngine late = new UringIoEngine(IoConfig.defaults())) {
            org.junit.jupiter.api.Assertions.assertFalse(late.earlySubmit(), late.describe());
        } finally {
            System.clearProperty("strata.io.uring.earlySubmit");
        }
    }

    @Override
    int openFiles() {
        return ((UringIoEngine) engine).openFiles();
    }
}
