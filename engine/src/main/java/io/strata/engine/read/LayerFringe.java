package io.strata.engine.read;

import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The layers a read still has to visit, each with the key space to read there (Neon's {@code LayerFringe}). Visits
 * come out highest LSN ceiling first, then lowest floor first, as Neon's heap orders them. A layer read over
 * different LSN ranges is visited once per range; the key spaces of equal visits are merged, so a layer is read
 * once per (layer, LSN range) however many ranges of the request land in it. Not thread-safe.
 *
 * @param <I> how layers are identified (the layer map's reference)
 */
final class LayerFringe<I> {
    private final PriorityQueue<VisitId<I>> planned = new PriorityQueue<>(LayerFringe::compareVisits);
    private final Map<VisitId<I>, Reads> reads = new HashMap<>();

    /** One (layer, LSN range) to visit. */
    record VisitId<I>(I layerId, Lsn lsnFloor, Lsn lsnCeil) {
    }

    /** A layer to read, the keys to read there and the LSN range {@code [lsnFloor, lsnCeil)}. */
    record Visit(ReadableLayer layer, KeySpace keySpace, Lsn lsnFloor, Lsn lsnCeil) {
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
        }
        r.keys.addAll(keySpace);
    }

    /** The next visit, or null when the fringe is empty. */
    Visit next() {
        VisitId<I> id = planned.poll();
        if (id == null) {
            return null;
        }
        Reads r = reads.remove(id);
        return new Visit(r.layer, r.keys.build(), id.lsnFloor(), id.lsnCeil());
    }

    boolean isEmpty() {
        return planned.isEmpty();
    }
}
