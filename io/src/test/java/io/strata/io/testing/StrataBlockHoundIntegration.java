package io.strata.io.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound allowances for the test run, each one a library's internals outside Strata's control. Strata's own
 * code gets none here; the one call it makes that BlockHound would flag, the io_uring poll mode's yield, is allowed by
 * the integration the io module ships ({@code io.strata.io.uring.PollModeBlockHoundIntegration}).
 */
public final class StrataBlockHoundIntegration implements BlockHoundIntegration {
    @Override
    public void applyTo(BlockHound.Builder builder) {
        // Netty spins briefly while tearing a ring down (event loop shutdown only, never on the I/O path).
        builder.allowBlockingCallsInside("io.netty.channel.uring.IoUringIoHandler", "destroy");
    }
}
