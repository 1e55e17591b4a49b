package io.strata.io.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.uring.UringIoEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IoEnginesTest {
    @AfterEach
    void clearProperty() {
        System.clearProperty(IoConfig.ENGINE_PROPERTY);
    }

    @Test
    void autoPicksIoUringWhenAvailable() {
        try (IoEngine e = IoEngines.create(IoConfig.defaults())) {
            assertEquals(UringIoEngine.isAvailable() ? IoEngineKind.URING : IoEngineKind.FILECHANNEL, e.kind());
        }
    }

    @Test
    void configurationChoosesTheEngine() {
        try (IoEngine e = IoEngines.create(IoConfig.defaults().withEngine(IoEngineKind.FILECHANNEL))) {
            assertEquals(IoEngineKind.FILECHANNEL, e.kind());
        }
    }

    @Test
    void theSystemPropertyOverridesTheConfiguration() {
        System.setProperty(IoConfig.ENGINE_PROPERTY, "filechannel");
        try (IoEngine e = IoEngines.create(IoConfig.defaults().withEngine(IoEngineKind.URING))) {
            assertEquals(IoEngineKind.FILECHANNEL, e.kind());
        }
    }

    @Test
    void unknownEngineNamesAreRejectedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IoEngineKind.parse("epoll"));
        assertTrue(e.getMessage().contains("auto, uring, filechannel"), e.getMessage());
        assertEquals(IoEngineKind.URING, IoEngineKind.parse("io_uring"));
        assertEquals(IoEngineKind.FILECHANNEL, IoEngineKind.parse("FileChannel"));
    }

    @Test
    void configValidatesItsNumbers() {
        assertThrows(IllegalArgumentException.class, () -> IoConfig.defaults().withMaxInFlight(70_000));
        assertThrows(IllegalArgumentException.class, () -> IoConfig.defaults().withRings(0));
        assertThrows(IllegalArgumentException.class, () -> IoConfig.defaults().withAlignment(512));
        assertThrows(IllegalArgumentException.class, () -> IoConfig.defaults().withAlignment(6000));
        assertEquals(4096, IoConfig.forDataDirectory(java.nio.file.Path.of("/nonexistent/dir")).alignment());
    }
}
