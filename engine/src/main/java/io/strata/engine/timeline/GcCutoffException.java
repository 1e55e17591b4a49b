package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;

/**
 * A read, branch or lease asked for an LSN below what GC keeps: the applied GC cutoff (data below it may be gone)
 * or, for new branches and leases, the planned cutoff (data below it is about to go).
 */
public final class GcCutoffException extends RuntimeException {
    private final String timeline;
    private final Lsn lsn;
    private final Lsn cutoff;

    public GcCutoffException(String timeline, String what, Lsn lsn, Lsn cutoff, String whichCutoff) {
        super(timeline + ": " + what + " at LSN " + lsn + " is earlier than the " + whichCutoff + " GC cutoff "
                + cutoff + " (data below it may have been garbage collected)");
        this.timeline = timeline;
        this.lsn = lsn;
        this.cutoff = cutoff;
    }

    public String timeline() {
        return timeline;
    }

    public Lsn lsn() {
        return lsn;
    }

    public Lsn cutoff() {
        return cutoff;
    }
}
