package io.strata.engine.layermap;

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Neon's {@code get_visibility}: one sweep over all historic layers and read points from the highest LSN down.
 * Image layers add to a shadow of covered keys and a read point clears it (a branch may read anything below
 * it); a delta is visible unless the shadow covers its keys, and a covered delta is decided only once the sweep
 * has passed its LSN range without meeting a read point.
 */
final class LayerVisibility {
    /** A layer, or a read point when {@code layer} is null; swept by ({@code lsn}, {@code rank}) descending. */
    private record Item(PersistentLayerDesc layer, long lsn, int rank) {
    }

    /** Highest LSN first; at equal LSNs read points, then images (they cover deltas), then deltas. Stable. */
    private static final Comparator<Item> SWEEP_ORDER = ((Comparator<Item>) (a, b) -> {
        int c = Long.compareUnsigned(a.lsn, b.lsn);
        return c != 0 ? c : Integer.compare(a.rank, b.rank);
    }).reversed();

    private LayerVisibility() {
    }

    static Visibility compute(Collection<PersistentLayerDesc> layers, List<Lsn> readPoints) {
        List<Lsn> sortedReadPoints = new ArrayList<>(readPoints);
        sortedReadPoints.sort(Comparator.naturalOrder());
        List<Item> items = new ArrayList<>(layers.size() + readPoints.size());
        for (PersistentLayerDesc l : layers) {
            items.add(l.isDelta() ? new Item(l, l.lsnEnd().value() - 1, 0) : new Item(l, l.imageLayerLsn().value(), 1));
        }
        for (Lsn rp : sortedReadPoints) {
            items.add(new Item(null, rp.value(), 2));
        }
        items.sort(SWEEP_ORDER);

        KeyShadow shadow = new KeyShadow();
        List<Map.Entry<PersistentLayerDesc, LayerVisibilityHint>> results = new ArrayList<>(layers.size());
        List<PersistentLayerDesc> maybeCoveredDeltas = new ArrayList<>();
        for (Item item : items) {
            boolean isReadPoint = item.layer == null;
            Lsn reachedLsn = isReadPoint ? new Lsn(item.lsn) : item.layer.lsnStart();
            List<PersistentLayerDesc> stillInside = new ArrayList<>(maybeCoveredDeltas.size());
            for (PersistentLayerDesc d : maybeCoveredDeltas) {
                if (reachedLsn.compareTo(d.lsnStart()) >= 0 && isReadPoint) {
                    // a read point within the delta's LSN range: it is visible
                    results.add(Map.entry(d, LayerVisibilityHint.VISIBLE));
                } else if (reachedLsn.compareTo(d.lsnStart()) < 0) {
                    // passed the delta's LSN range without a read point: it is covered
                    results.add(Map.entry(d, LayerVisibilityHint.COVERED));
                } else {
                    stillInside.add(d);
                }
            }
            maybeCoveredDeltas = stillInside;

            if (isReadPoint) {
                // a branch point: assume the whole key range is read there
                shadow.reset();
                continue;
            }
            PersistentLayerDesc layer = item.layer;
            LayerVisibilityHint visibility;
            if (layer.isDelta()) {
                if (shadow.contains(layer.keyRange())) {
                    // not visible from here, but a read point within its LSN range may still make it so
                    maybeCoveredDeltas.add(layer);
                    continue;
                }
                visibility = LayerVisibilityHint.VISIBLE;
            } else {
                // an image over keys not yet covered is visible, and covers what lies below it
                visibility = shadow.cover(layer.keyRange()) ? LayerVisibilityHint.VISIBLE : LayerVisibilityHint.COVERED;
            }
            results.add(Map.entry(layer, visibility));
        }
        for (PersistentLayerDesc d : maybeCoveredDeltas) {
            results.add(Map.entry(d, LayerVisibilityHint.COVERED));
        }
        return new Visibility(results, shadow.toKeySpace());
    }
}
