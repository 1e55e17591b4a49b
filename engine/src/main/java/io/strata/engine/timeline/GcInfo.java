package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Neon's {@code GcInfo}: what a timeline's GC must keep. Immutable; the timeline swaps whole values.
 *
 * @param retainLsns         the branch points of child timelines, by LSN (history at each must stay readable)
 * @param cutoffs            the planned cutoffs, as of the last refresh
 * @param leases             LSN leases, by LSN
 * @param withinAncestorPitr whether this timeline's branch point is inside its ancestor's PITR window
 */
public record GcInfo(List<RetainLsn> retainLsns, GcCutoffs cutoffs, SortedMap<Lsn, LsnLease> leases,
                     boolean withinAncestorPitr) {
    /** A child branched off at {@code lsn}. */
    public record RetainLsn(Lsn lsn, TimelineId child) {
        public RetainLsn {
            Objects.requireNonNull(lsn, "lsn");
            Objects.requireNonNull(child, "child");
        }
    }

    public static final GcInfo EMPTY = new GcInfo(List.of(), GcCutoffs.NONE, new TreeMap<>(), false);

    public GcInfo {
        Objects.requireNonNull(cutoffs, "cutoffs");
        List<RetainLsn> sorted = new ArrayList<>(retainLsns);
        sorted.sort(Comparator.comparing(RetainLsn::lsn));
        retainLsns = List.copyOf(sorted);
        leases = Collections.unmodifiableSortedMap(new TreeMap<>(leases));
    }

    /** The planned GC cutoff: the smaller of the cutoffs. */
    public Lsn minCutoff() {
        return cutoffs.selectMin();
    }

    /** The highest branch point, if any child exists. */
    public Optional<Lsn> maxRetainLsn() {
        return retainLsns.isEmpty() ? Optional.empty() : Optional.of(retainLsns.get(retainLsns.size() - 1).lsn());
    }

    /** The highest leased LSN, if any lease exists. */
    public Optional<Lsn> maxLeasedLsn() {
        return leases.isEmpty() ? Optional.empty() : Optional.of(leases.lastKey());
    }

    /** Neon's {@code lsn_covered_by_lease}: a lease exists at exactly {@code lsn}. */
    public boolean lsnCoveredByLease(Lsn lsn) {
        return leases.containsKey(lsn);
    }

    public GcInfo withRetainLsns(List<RetainLsn> l) {
        return new GcInfo(l, cutoffs, leases, withinAncestorPitr);
    }

    /** Neon's {@code insert_child}. */
    public GcInfo withChild(TimelineId child, Lsn lsn) {
        List<RetainLsn> l = new ArrayList<>(retainLsns);
        l.add(new RetainLsn(lsn, child));
        return withRetainLsns(l);
    }

    /** Cutoffs merged with the current ones: they never go back. */
    public GcInfo withCutoffs(GcCutoffs c) {
        return new GcInfo(retainLsns, cutoffs.max(c), leases, withinAncestorPitr);
    }

    public GcInfo withLease(LsnLease lease) {
        SortedMap<Lsn, LsnLease> m = new TreeMap<>(leases);
        m.put(lease.lsn(), lease);
        return new GcInfo(retainLsns, cutoffs, m, withinAncestorPitr);
    }

    /** Without the leases expired at {@code now}. */
    public GcInfo withoutExpiredLeases(Instant now) {
        SortedMap<Lsn, LsnLease> m = new TreeMap<>(leases);
        m.values().removeIf(l -> l.isExpired(now));
        return new GcInfo(retainLsns, cutoffs, m, withinAncestorPitr);
    }

    public GcInfo withWithinAncestorPitr(boolean b) {
        return new GcInfo(retainLsns, cutoffs, leases, b);
    }
}
