package io.strata.perf;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.LayerRef;
import io.strata.engine.layermap.SearchResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Neon's layer map search by looking at every layer (O(n) per search), to check {@code LayerMap.search} in the
 * benchmark: the newest delta and the newest image over the key (highest LSN end among layers starting below the
 * end LSN; the first in map order on ties; keys compared in Neon's i128 form), then Neon's choice between them.
 * No in-memory layers.
 */
final class BruteForceSearch {
    private final List<PersistentLayerDesc> layers;
    private final long[] startHi;
    private final long[] startLo;
    private final long[] endHi;
    private final long[] endLo;
    private final long[] lsnStart;
    private final long[] lsnEnd;
    private final boolean[] isDelta;

    /** @param layers in the layer map's order ({@code LayerMap.historicLayers()}) */
    BruteForceSearch(Collection<PersistentLayerDesc> layers) {
        this.layers = new ArrayList<>(layers);
        int n = this.layers.size();
        startHi = new long[n];
        startLo = new long[n];
        endHi = new long[n];
        endLo = new long[n];
        lsnStart = new long[n];
        lsnEnd = new long[n];
        isDelta = new boolean[n];
        for (int i = 0; i < n; i++) {
            PersistentLayerDesc l = this.layers.get(i);
            startHi[i] = l.keyRange().start().toI128Hi();
            startLo[i] = l.keyRange().start().toI128Lo();
            endHi[i] = l.keyRange().end().toI128Hi();
            endLo[i] = l.keyRange().end().toI128Lo();
            lsnStart[i] = l.lsnStart().value();
            lsnEnd[i] = l.lsnEnd().value();
            isDelta[i] = l.isDelta();
        }
    }

    Optional<SearchResult> search(Key key, Lsn endLsn) {
        long hi = key.toI128Hi();
        long lo = key.toI128Lo();
        long version = endLsn.value() - 1;
        int d = -1;
        int im = -1;
        for (int i = 0; i < lsnStart.length; i++) {
            if (Long.compareUnsigned(lsnStart[i], version) > 0
                    || compare(startHi[i], startLo[i], hi, lo) > 0 || compare(hi, lo, endHi[i], endLo[i]) >= 0) {
                continue;
            }
            if (isDelta[i]) {
                if (d < 0 || Long.compareUnsigned(lsnEnd[i], lsnEnd[d]) > 0) {
                    d = i;
                }
            } else if (im < 0 || Long.compareUnsigned(lsnEnd[i], lsnEnd[im]) > 0) {
                im = i;
            }
        }
        PersistentLayerDesc delta = d < 0 ? null : layers.get(d);
        PersistentLayerDesc image = im < 0 ? null : layers.get(im);
        if (delta == null && image == null) {
            return Optional.empty();
        }
        if (delta == null) {
            return result(image, image.lsnStart());
        }
        if (image == null) {
            return result(delta, delta.lsnStart());
        }
        long imgLsn = image.lsnStart().value();
        if (image.lsnEnd().compareTo(delta.lsnEnd()) >= 0 || imgLsn + 1 == endLsn.value()) {
            return result(image, image.lsnStart());
        }
        Lsn above = new Lsn(imgLsn + 1);
        return result(delta, delta.lsnStart().compareTo(above) >= 0 ? delta.lsnStart() : above);
    }

    private static Optional<SearchResult> result(PersistentLayerDesc layer, Lsn floor) {
        return Optional.of(new SearchResult(new LayerRef.Persistent(layer), floor));
    }

    /** Signed i128 order of (hi, lo) pairs. */
    private static int compare(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compare(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }
}
