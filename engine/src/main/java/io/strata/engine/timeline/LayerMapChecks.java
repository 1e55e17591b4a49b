package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.LayerName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Sanity checks of a timeline's set of layers (Neon's {@code tenant/checks.rs}). */
public final class LayerMapChecks {
    private LayerMapChecks() {
    }

    /**
     * Neon's {@code check_valid_layermap}: whether the delta layers could be the result of compactions. Fast path:
     * every delta layer's LSN range (except single-key layers) contains at most one of the LSN split points (the
     * starts and ends of multi-key delta layers) in its interior-or-start, i.e. delta layers are cut at the same
     * LSNs. Slow path, when that fails (a partial compaction may be in progress): no two delta layers overlap in
     * both key range and LSN range. Emits the first violation, or empty when valid.
     */
    public static Optional<String> checkValidLayerMap(List<LayerName> layers) {
        List<DeltaLayerName> deltas = new ArrayList<>();
        for (LayerName l : layers) {
            if (l instanceof DeltaLayerName d) {
                deltas.add(d);
            }
        }
        TreeSet<Lsn> splitPoints = new TreeSet<>();
        for (DeltaLayerName d : deltas) {
            if (!isSingleKey(d)) {
                splitPoints.add(d.lsnStart());
                splitPoints.add(d.lsnEnd());
            }
        }
        for (int i = 0; i < deltas.size(); i++) {
            DeltaLayerName d = deltas.get(i);
            if (isSingleKey(d)) {
                continue;
            }
            // Rust's BTreeSet::range(start..end): points in [start, end)
            int intersects = splitPoints.subSet(d.lsnStart(), true, d.lsnEnd(), false).size();
            if (intersects > 1) {
                for (int j = 0; j < deltas.size(); j++) {
                    if (j == i) {
                        continue;
                    }
                    DeltaLayerName o = deltas.get(j);
                    if (overlaps(d.lsnStart(), d.lsnEnd(), o.lsnStart(), o.lsnEnd())
                            && d.keyRange().overlaps(o.keyRange())) {
                        return Optional.of("layer violates the layer map LSN split assumption: layer " + d
                                + " intersects with layer " + o);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isSingleKey(DeltaLayerName d) {
        return d.keyRange().start().next().equals(d.keyRange().end());
    }

    /** Neon's {@code overlaps_with} for half-open ranges. */
    private static boolean overlaps(Lsn aStart, Lsn aEnd, Lsn bStart, Lsn bEnd) {
        return !(aEnd.compareTo(bStart) <= 0 || bEnd.compareTo(aStart) <= 0);
    }
}
