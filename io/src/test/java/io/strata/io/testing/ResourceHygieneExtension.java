package io.strata.io.testing;

import io.strata.io.buffer.BufferAccounting;
import io.strata.io.diagnostics.KeepsResources;
import io.strata.io.diagnostics.ResourceSnapshot;
import io.strata.io.file.IoConfig;
import io.strata.io.file.OpenFileSites;
import io.strata.io.uring.UringIoEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test of this module (service loader + junit-platform.properties): after each test (its
 * {@code @AfterEach} included), aligned buffers, file descriptors and io_uring ring slots must be back where they
 * were before it, allowing {@value #SETTLE_PROPERTY} ms (default 2000) for asynchronous closes. A class or method
 * annotated {@link KeepsResources} is skipped. {@code -Dstrata.test.bufferSites=true} records lease sites so the
 * failure names where a leaked buffer was leased, {@code -Dstrata.test.fileSites=true} where a file left open was
 * opened.
 */
public final class ResourceHygieneExtension implements BeforeEachCallback, AfterEachCallback {
    static final String SETTLE_PROPERTY = "strata.test.resourceSettleMs";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(
            ResourceHygieneExtension.class);
    private static final Duration SETTLE = Duration.ofMillis(Long.getLong(SETTLE_PROPERTY, 2000));

    static {
        BufferAccounting.recordSites(Boolean.getBoolean("strata.test.bufferSites"));
        OpenFileSites.record(Boolean.getBoolean("strata.test.fileSites"));
        // Netty's io_uring support keeps a probe socket open for the life of the process from its first use: open
        // it before the first baseline, so that it does not count against whichever test happens to come first.
        if (UringIoEngine.isAvailable()) {
            new UringIoEngine(IoConfig.defaults().withRings(1)).close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!exempt(context)) {
            context.getStore(NS).put("baseline", ResourceSnapshot.take());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        ResourceSnapshot baseline = context.getStore(NS).remove("baseline", ResourceSnapshot.class);
        if (baseline == null) {
            return;
        }
        List<String> leaks = ResourceSnapshot.awaitSettled(baseline, SETTLE);
        if (!leaks.isEmpty()) {
            AssertionError e = new AssertionError(context.getDisplayName() + " did not give back: "
                    + String.join("; ", leaks));
            List<Throwable> sites = new ArrayList<>(BufferAccounting.outstandingSites());
            sites.addAll(OpenFileSites.sites());
            if (!sites.isEmpty()) {
                e.initCause(sites.get(0));
                sites.subList(1, sites.size()).forEach(e::addSuppressed);
            }
            throw e;
        }
    }

    private static boolean exempt(ExtensionContext context) {
        if (context.getTestMethod().map(m -> m.isAnnotationPresent(KeepsResources.class)).orElse(false)) {
            return true;
        }
        for (Optional<Class<?>> c = context.getTestClass(); c.isPresent();
             c = Optional.ofNullable(c.get().getEnclosingClass())) {
            if (c.get().isAnnotationPresent(KeepsResources.class)) {
                return true;
            }
        }
        return false;
    }
}
