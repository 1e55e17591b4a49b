package io.strata.engine.check;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory model of one tenant that {@link ModelChecker} compares the engine with: its timelines (pages by key
 * and LSN, branch ancestry, GC cutoffs and leases) over a fixed universe of keys.
 */
public final class Oracle {
    private final List<Key> keys;
    private final List<TimelineModel> timelines = new CopyOnWriteArrayList<>();
    private final Map<TimelineId, TimelineModel> byId = new ConcurrentHashMap<>();

    public Oracle(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** Every key the workload may write, in key order. */
    public List<Key> keys() {
        return keys;
    }

    public List<TimelineModel> timelines() {
        return timelines;
    }

    public TimelineModel timeline(TimelineId id) {
        TimelineModel m = byId.get(id);
        if (m == null) {
            throw new IllegalArgumentException("the model has no timeline " + id);
        }
        return m;
    }

    TimelineModel addRoot(TimelineId id, Lsn initdbLsn) {
        return add(new TimelineModel(id, Optional.empty(), initdbLsn, Lsn.INVALID));
    }

    TimelineModel addBranch(TimelineId id, TimelineModel parent, Lsn branchLsn) {
        // the child starts with its parent's applied cutoff (Neon's branch metadata)
        return add(new TimelineModel(id, Optional.of(parent), branchLsn, parent.appliedCutoff()));
    }

    private TimelineModel add(TimelineModel m) {
        byId.put(m.id(), m);
        timelines.add(m);
        return m;
    }

    /** The pages that exist on {@code t} at {@code lsn}, in key order. */
    public TreeMap<Key, byte[]> pagesAt(TimelineModel t, Lsn lsn) {
        TreeMap<Key, byte[]> out = new TreeMap<>();
        for (Key k : keys) {
            t.page(k, lsn).ifPresent(p -> out.put(k, p));
        }
        return out;
    }

    /** The keys that do not exist on {@code t} at {@code lsn}. */
    public List<Key> missingAt(TimelineModel t, Lsn lsn) {
        List<Key> out = new ArrayList<>();
        for (Key k : keys) {
            if (t.page(k, lsn).isEmpty()) {
                out.add(k);
            }
        }
        return out;
    }
}
