package io.strata.engine.layermap;

import io.strata.engine.key.Lsn;
import java.util.Objects;

/**
 * An in-memory layer as the layer map sees it (Neon's {@code InMemoryLayerDesc}): an id chosen by the timeline,
 * and its LSN range {@code [lsnStart, lsnEnd)}, whose end is {@link Lsn#MAX} while the layer is open. The layer's
 * contents stay with the timeline; the map only decides which layer a read goes to.
 *
 * @param id       the timeline's id for the layer (Neon tells open and frozen layers apart by a handle instead)
 * @param lsnStart inclusive
 * @param lsnEnd   exclusive; {@link Lsn#MAX} while open
 */
public record InMemoryLayerDesc(long id, Lsn lsnStart, Lsn lsnEnd) {
    public InMemoryLayerDesc {
        Objects.requireNonNull(lsnStart, "lsnStart");
        Objects.requireNonNull(lsnEnd, "lsnEnd");
    }

    /** An open layer: its end is {@link Lsn#MAX}. */
    public static InMemoryLayerDesc open(long id, Lsn lsnStart) {
        return new InMemoryLayerDesc(id, lsnStart, Lsn.MAX);
    }

    @Override
    public String toString() {
        return "in-memory layer " + id + " " + lsnStart + "-" + (lsnEnd.equals(Lsn.MAX) ? "(open)" : lsnEnd.toString());
    }
}
