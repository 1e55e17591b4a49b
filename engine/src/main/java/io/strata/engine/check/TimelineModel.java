package io.strata.engine.check;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The oracle's view of one timeline: every page version written on it (the whole page after each record), its
 * ancestor and branch point, its last record LSN, the applied GC cutoff, the planned cutoffs of the last GC refresh
 * and the leases the timeline holds.
 *
 * <p>Written by the checker's thread only; {@link ConcurrentReaders} read it at the same time. History at or below
 * {@link #lastRecordLsn()} never changes while readers run (a truncation after a hard restart happens with the
 * readers stopped), and {@link #lastRecordLsn()} is published after the history below it.
 */
public final class TimelineModel {
    private final TimelineId id;
    private final Optional<TimelineModel> parent;
    private final Lsn branchLsn;
    private final Lsn startLsn;
    private final Map<Key, ConcurrentSkipListMap<Lsn, byte[]>> history = new ConcurrentHashMap<>();
    /** Batch ends: the LSNs every check reads at while they are retained. */
    private final NavigableSet<Lsn> checkpoints = new ConcurrentSkipListSet<>();
    /** Leased LSNs, expired ones included until the next GC refresh drops them (as the engine's map does). */
    private final NavigableSet<Lsn> leases = new ConcurrentSkipListSet<>();
    private final NavigableSet<Lsn> expiredLeases = new ConcurrentSkipListSet<>();
    private volatile Lsn lastRecordLsn;
    private volatile Lsn appliedCutoff;
    private Lsn plannedSpace = Lsn.INVALID;
    private Optional<Lsn> plannedTime = Optional.empty();

    TimelineModel(TimelineId id, Optional<TimelineModel> parent, Lsn startLsn, Lsn appliedCutoff) {
        this.id = id;
        this.parent = parent;
        this.startLsn = startLsn;
        this.branchLsn = parent.isPresent() ? startLsn : Lsn.INVALID;
        this.lastRecordLsn = startLsn;
        this.appliedCutoff = appliedCutoff;
        checkpoints.add(startLsn);
    }

    public TimelineId id() {
        return id;
    }

    public Optional<TimelineModel> parent() {
        return parent;
    }

    /** The branch point (invalid for a root timeline). */
    public Lsn branchLsn() {
        return branchLsn;
    }

    /** The initdb LSN of a root, the branch point of a branch. */
    public Lsn startLsn() {
        return startLsn;
    }

    public Lsn lastRecordLsn() {
        return lastRecordLsn;
    }

    public Lsn appliedCutoff() {
        return appliedCutoff;
    }

    /** Neon's {@code select_min} of the planned cutoffs: invalid until the first GC refresh (after each load). */
    public Lsn plannedCutoff() {
        Lsn t = plannedTime.orElse(Lsn.INVALID);
        return plannedSpace.compareTo(t) <= 0 ? plannedSpace : t;
    }

    Lsn plannedSpace() {
        return plannedSpace;
    }

    Optional<Lsn> plannedTime() {
        return plannedTime;
    }

    public NavigableSet<Lsn> checkpoints() {
        return checkpoints;
    }

    public NavigableSet<Lsn> leases() {
        return leases;
    }

    /**
     * The page of {@code key} at {@code lsn}: this timeline's newest version at or below it, else the ancestor's at
     * {@code min(lsn, branch point)}. Empty when the key does not exist there.
     */
    public Optional<byte[]> page(Key key, Lsn lsn) {
        ConcurrentSkipListMap<Lsn, byte[]> versions = history.get(key);
        if (versions != null) {
            Map.Entry<Lsn, byte[]> e = versions.floorEntry(lsn);
            if (e != null) {
                return Optional.of(e.getValue());
            }
        }
        if (parent.isEmpty()) {
            return Optional.empty();
        }
        return parent.get().page(key, lsn.compareTo(branchLsn) <= 0 ? lsn : branchLsn);
    }

    /**
     * Whether a read of this timeline at {@code lsn} must return the model's pages: at or above the applied cutoff
     * and below the tip, and where it passes below a branch point into an ancestor at {@code lsn} itself (not at
     * the branch point, which the ancestor retains), at or above that ancestor's applied cutoff too.
     */
    public boolean guaranteed(Lsn lsn) {
        return !lsn.isBefore(appliedCutoff) && !lsn.isAfter(lastRecordLsn) && ancestorsKeep(lsn);
    }

    private boolean ancestorsKeep(Lsn lsn) {
        if (parent.isEmpty() || !lsn.isBefore(branchLsn)) {
            return true;
        }
        TimelineModel p = parent.get();
        return !lsn.isBefore(p.appliedCutoff) && p.ancestorsKeep(lsn);
    }

    // ------------------------------------------------------------------------------------------------ changes

    void put(Key key, Lsn lsn, byte[] page) {
        history.computeIfAbsent(key, k -> new ConcurrentSkipListMap<>()).put(lsn, page);
    }

    /** Publishes a batch: history up to {@code last} is complete. */
    void advance(Lsn last) {
        checkpoints.add(last);
        lastRecordLsn = last;
    }

    /** After a hard restart: what was above the durable LSN is gone. */
    void truncateAbove(Lsn last) {
        for (ConcurrentSkipListMap<Lsn, byte[]> versions : history.values()) {
            versions.tailMap(last, false).clear();
        }
        checkpoints.tailSet(last, false).clear();
        checkpoints.add(last);
        lastRecordLsn = last;
    }

    void setAppliedCutoff(Lsn cutoff) {
        appliedCutoff = cutoff;
    }

    void refreshPlanned(Lsn space, Lsn time) {
        if (space.isAfter(plannedSpace)) {
            plannedSpace = space;
        }
        if (plannedTime.isEmpty() || time.isAfter(plannedTime.get())) {
            plannedTime = Optional.of(time);
        }
        leases.removeAll(expiredLeases);
        expiredLeases.clear();
    }

    void addLease(Lsn lsn) {
        leases.add(lsn);
        expiredLeases.remove(lsn);
    }

    void expireLease(Lsn lsn) {
        expiredLeases.add(lsn);
    }

    /** What a load forgets: leases and planned cutoffs live in memory. */
    void forgetInMemoryGcState() {
        leases.clear();
        expiredLeases.clear();
        plannedSpace = Lsn.INVALID;
        plannedTime = Optional.empty();
    }

    /** The keys this timeline has a version of itself (its ancestors' not included). */
    Iterable<Key> ownKeys() {
        return history.keySet();
    }

    @Override
    public String toString() {
        return id + (parent.map(p -> " (branch of " + p.id + " at " + branchLsn + ")").orElse(""));
    }
}
