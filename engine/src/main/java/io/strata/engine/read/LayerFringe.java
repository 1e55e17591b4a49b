package io.strata.engine.read;

import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The layers a read still has to visit, each with the key space to read there (Neon's {@code LayerFringe}). Visits
 * come out highest LSN ceiling first, then lowest floor first, as Neon's heap orders them. A layer read over
 * different LSN ranges is visited once per range; the key spaces of equal visits are merged, so a layer is read
 * once per (layer, LSN range) however many ranges of the request land in it.
 *
 * <p>Unlike Neon, {@link #next()} also takes every other pending visit of the same layer: each key is in one
 * pending visit only, so reading a key's next layer early changes nothing for that key, and a request whose keys
 * are at different LSNs then reads each layer once instead of once per LSN range. Not thread-safe.
 *
 * @param <I> how layers are identified (the layer map's reference)
 */
final class LayerFringe<I> {
    private final PriorityQueue<VisitId<I>> planned = new PriorityQueue<>(LayerFringe::compareVisits);
    private final Map<VisitId<I>, Reads> reads = new HashMap<>();
    private final Map<I, List<VisitId<I>>> byLayer = new HashMap<>();

    /** One (layer, LSN range) to visit. */
    record VisitId<I>(I layerId, Lsn lsnFloor, Lsn lsnCeil) {
    }

    /** A layer to read and, per LSN range, the keys to read there. */
    record Visit(ReadableLayer layer, List<ReadableLayer.LayerRead> reads) {
    }

    private static final class Reads {
        final ReadableLayer layer;
        final KeySpace.Builder keys = KeySpace.builder();

        Reads(ReadableLayer layer) {
            this.layer = layer;
        }
    }

    /** Neon's {@code Ord for LayerVisit}, reversed for a min-heap: higher ceiling first, then lower floor. */
    private static int compareVisits(VisitId<?> a, VisitId<?> b) {
        int c = b.lsnCeil().compareTo(a.lsnCeil());
        return c != 0 ? c : a.lsnFloor().compareTo(b.lsnFloor());
    }

    /** Adds {@code keySpace} to the visit of {@code layer} over {@code [lsnFloor, lsnCeil)}. */
    void update(I layerId, ReadableLayer layer, KeySpace keySpace, Lsn lsnFloor, Lsn lsnCeil) {
        Objects.requireNonNull(layer, "layer");
        VisitId<I> id = new VisitId<>(layerId, lsnFloor, lsnCeil);
        Reads r = reads.get(id);
        if (r == null) {
            r = new Reads(layer);
            reads.put(id, r);
            planned.add(id);
            byLayer.computeIfAbsent(layerId, k -> new ArrayList<>(1)).add(id);
        }
        r.keys.addAll(keySpace);
    }

    /** The next visit with every pending read of its layer, or null when the fringe is empty. */
    Visit next() {
        VisitId<I> top = planned.poll();
        if (top == null) {
            return null;
        }
        List<VisitId<I>> ofLayer = byLayer.remove(top.layerId());
        List<ReadableLayer.LayerRead> out = new ArrayList<>(ofLayer.size());
        ReadableLayer layer = null;
        for (VisitId<I> id : ofLayer) {
            if (id != top) {
                planned.remove(id);
            }
            Reads r = reads.remove(id);
            layer = r.layer;
            out.add(new ReadableLayer.LayerRead(r.keys.build(), id.lsnFloor(), id.lsnCeil()));
        }
        return new Visit(layer, out);
    }
}
