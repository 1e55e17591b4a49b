package io.strata.io.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound allowances for the test run, each one a library's internals outside Strata's control. Strata's own
 * code gets no allowance.
 */
public final class StrataBlockHoundIntegration implements BlockHoundIntegration {
    @Override
    public void applyTo(BlockHound.Builder builder) {
        // Netty spins briefly while tearing a ring down (event loop shutdown only, never on the I/O path).
        builder.allowBlockingCallsInside("io.netty.channel.uring.IoUringIoHandler", "destroy");
    }
}
