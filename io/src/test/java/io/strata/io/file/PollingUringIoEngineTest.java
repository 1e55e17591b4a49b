package io.strata.io.file;

import io.strata.io.uring.UringIoEngine;

/** The io_uring engine's tests again, every ring in poll mode (IoConfig.pollMicros): polling changes nothing else. */
class PollingUringIoEngineTest extends UringIoEngineTest {
    @Override
    IoEngine newEngine(IoConfig config) {
        return new UringIoEngine(config.withMaxInFlight(64).withPollMicros(200));
    }
}
