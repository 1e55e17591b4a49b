package io.strata.io.uring;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets BlockHound (when a host or a test runs it) accept the one call on a ring's loop that it would flag: the poll
 * mode's {@code Thread.yield} after a poll that found nothing. It returns at once (sched_yield is a scheduling hint,
 * not a wait), so the loop stays non-blocking. Loaded through {@code META-INF/services}; BlockHound is an optional
 * dependency, so nothing loads this class without it.
 */
public final class PollModeBlockHoundIntegration implements BlockHoundIntegration {
    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(PollingIoHandler.class.getName(), "yieldCore");
    }
}
