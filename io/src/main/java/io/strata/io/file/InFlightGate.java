package io.strata.io.file;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Engine SPI: counts the operations of an open file and runs the close action once, after {@link #close()} was
 * asked and every accepted operation has finished. No operation is accepted once closing began, so a
 * descriptor is never closed under an operation (nor reused by the kernel while one is pending).
 */
public final class InFlightGate {
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final Runnable closeAction;
    private volatile boolean closing;

    public InFlightGate(Runnable closeAction) {
        this.closeAction = closeAction;
    }

    /** Counts an operation in; false once the file is closing. */
    public boolean tryEnter() {
        if (closing) {
            return false;
        }
        pending.incrementAndGet();
        if (closing) {
            exit();
            return false;
        }
        return true;
    }

    /** Counts an operation out (completed, or dropped before submission). */
    public void exit() {
        if (pending.decrementAndGet() == 0 && closing) {
            fire();
        }
    }

    /** Asks for the close; it runs now if nothing is in flight, else when the last operation exits. */
    public void close() {
        closing = true;
        if (pending.get() == 0) {
            fire();
        }
    }

    public boolean isClosing() {
        return closing;
    }

    private void fire() {
        if (closeStarted.compareAndSet(false, true)) {
            closeAction.run();
        }
    }
}
