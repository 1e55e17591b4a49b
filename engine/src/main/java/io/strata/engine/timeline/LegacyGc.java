package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.LayerMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Neon's legacy layer GC decision ({@code Timeline::gc_timeline}): a historic layer may be removed only when all of
 * these hold, checked in this order (the first that fails is the reason it is kept):
 * <ol>
 *   <li>it ends at or below the space cutoff;</li>
 *   <li>it ends at or below the time cutoff;</li>
 *   <li>it starts above the highest branch point (retain LSN) of a child;</li>
 *   <li>it starts above the highest leased LSN;</li>
 *   <li>image layers from its end up to (not including) the new GC cutoff cover its whole key range, so no read at or
 *       above the cutoff reaches it.</li>
 * </ol>
 * Neon removes whole files only; history inside a file that is no longer needed stays until compaction rewrites it.
 */
public final class LegacyGc {
    private LegacyGc() {
    }

    /**
     * The layers of {@code map} that may go, with Neon's counters.
     *
     * @param spaceCutoff    the space cutoff, already capped at the disk-consistent LSN
     * @param timeCutoff     the time cutoff
     * @param maxRetainLsn   the highest branch point, if any
     * @param maxLeasedLsn   the highest LSN holding a valid lease, if any
     * @param newCutoff      the GC cutoff being applied
     */
    public static GcResult select(LayerMap map, Lsn spaceCutoff, Lsn timeCutoff, Optional<Lsn> maxRetainLsn,
                                  Optional<Lsn> maxLeasedLsn, Lsn newCutoff) {
        long total = 0;
        long byCutoff = 0;
        long byPitr = 0;
        long byBranches = 0;
        long byLeases = 0;
        long notUpdated = 0;
        List<PersistentLayerDesc> remove = new ArrayList<>();
        for (PersistentLayerDesc l : map.historicLayers()) {
            total++;
            if (l.lsnEnd().isAfter(spaceCutoff)) {
                byCutoff++;
            } else if (l.lsnEnd().isAfter(timeCutoff)) {
                byPitr++;
            } else if (maxRetainLsn.isPresent() && l.lsnStart().compareTo(maxRetainLsn.get()) <= 0) {
                // the LSN range's start is inclusive: a child reading at its branch point may need this layer
                byBranches++;
            } else if (maxLeasedLsn.isPresent() && l.lsnStart().compareTo(maxLeasedLsn.get()) <= 0) {
                byLeases++;
            } else if (!map.imageLayerExists(l.keyRange(), l.lsnEnd(), newCutoff)) {
                // e.g. images at 1000 and 2000, deltas 1000-2000 and 2000-3000, cutoff 2500: image 2000 stays
                // because delta 2000-3000 builds on it
                notUpdated++;
            } else {
                remove.add(l);
            }
        }
        return new GcResult(total, byCutoff, byPitr, byBranches, byLeases, notUpdated, remove, newCutoff,
                Duration.ZERO);
    }
}
