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
    void earlySubmissionIsOffByDefaultAndWorksWhenAsked() {
        org.junit.jupiter.api.Assertions.assertFalse(((UringIoEngine) engine).earlySubmit(), engine.describe());
        // Guards the Netty-internal hook: an upgrade that removes it must be noticed, not silently slower.
        System.setProperty("strata.io.uring.earlySubmit", "true");
        try (UringIoEngine early = new UringIoEngine(IoConfig.defaults())) {
            org.junit.jupiter.api.Assertions.assertTrue(early.earlySubmit(), early.describe());
        } finally {
            System.clearProperty("strata.io.uring.earlySubmit");
        }
    }

    @Override
    int openFiles() {
        return ((UringIoEngine) engine).openFiles();
    }
}
