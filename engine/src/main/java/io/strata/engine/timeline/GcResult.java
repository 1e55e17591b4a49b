package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Neon's {@code GcResult} of one timeline's legacy GC: how many layers there were, why each kept one was kept (the
 * first reason that applied, in Neon's order), and which went.
 *
 * @param layersTotal           historic layers looked at
 * @param layersNeededByCutoff  kept: they end above the space cutoff
 * @param layersNeededByPitr    kept: they end above the time cutoff
 * @param layersNeededByBranches kept: they start at or below the highest branch point
 * @param layersNeededByLeases  kept: they start at or below the highest leased LSN
 * @param layersNotUpdated      kept: no newer image layers below the new cutoff cover their key range
 * @param removed               the layers removed
 * @param newCutoff             the applied GC cutoff after this run
 * @param elapsed               how long the run took
 */
public record GcResult(long layersTotal, long layersNeededByCutoff, long layersNeededByPitr,
                       long layersNeededByBranches, long layersNeededByLeases, long layersNotUpdated,
                       List<PersistentLayerDesc> removed, Lsn newCutoff, Duration elapsed) {
    public GcResult {
        removed = List.copyOf(removed);
        Objects.requireNonNull(newCutoff, "newCutoff");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    public long layersRemoved() {
        return removed.size();
    }

    /** The run's counters as one JSON object (Neon's field names). */
    public String toJson() {
        return "{\"layers_total\":" + layersTotal + ",\"layers_needed_by_cutoff\":" + layersNeededByCutoff
                + ",\"layers_needed_by_pitr\":" + layersNeededByPitr + ",\"layers_needed_by_branches\":"
                + layersNeededByBranches + ",\"layers_needed_by_leases\":" + layersNeededByLeases
                + ",\"layers_not_updated\":" + layersNotUpdated + ",\"layers_removed\":" + removed.size()
                + ",\"new_cutoff\":\"" + newCutoff + "\",\"elapsed_ms\":" + elapsed.toMillis() + "}";
    }
}
