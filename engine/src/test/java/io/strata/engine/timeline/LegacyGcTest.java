package io.strata.engine.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.BatchedUpdates;
import io.strata.engine.layermap.LayerMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link LegacyGc}'s decision on layer maps, including the example in Neon's {@code gc_timeline} comment. */
class LegacyGcTest {
    private static final KeyRange ALL = new KeyRange(Key.MIN, Key.MAX);

    private static PersistentLayerDesc image(long lsn) {
        return new PersistentLayerDesc(new ImageLayerName(ALL, Lsn.of(lsn)), 1000);
    }

    private static PersistentLayerDesc delta(long start, long end) {
        return new PersistentLayerDesc(new DeltaLayerName(ALL, Lsn.of(start), Lsn.of(end)), 1000);
    }

    private static LayerMap map(PersistentLayerDesc... layers) {
        BatchedUpdates u = LayerMap.EMPTY.batchUpdate();
        for (PersistentLayerDesc l : layers) {
            u.insertHistoric(l);
        }
        return u.flush();
    }

    private static List<LayerName> names(GcResult r) {
        return r.removed().stream().map(PersistentLayerDesc::name).sorted().toList();
    }

    /** Images A 1000, C 2000, E 3000; deltas B 1000-2000, D 2000-3000; cutoff 2500: A and B go, C stays for D. */
    @Test
    void neonsExample() {
        PersistentLayerDesc a = image(1000);
        PersistentLayerDesc b = delta(1000, 2000);
        PersistentLayerDesc c = image(2000);
        PersistentLayerDesc d = delta(2000, 3000);
        PersistentLayerDesc e = image(3000);
        LayerMap m = map(a, b, c, d, e);
        Lsn cutoff = Lsn.of(2500);
        GcResult r = LegacyGc.select(m, cutoff, cutoff, Optional.empty(), Optional.empty(), cutoff);
        assertEquals(List.of(a.name(), b.name()).stream().sorted().toList(), names(r));
        assertEquals(5, r.layersTotal());
        assertEquals(2, r.layersNeededByCutoff(), "D and E end above 2500");
        assertEquals(1, r.layersNotUpdated(), "C: no newer image below the cutoff");
    }

    @Test
    void reasonsAreCheckedInNeonsOrder() {
        PersistentLayerDesc a = image(1000);
        PersistentLayerDesc b = delta(1000, 2000);
        PersistentLayerDesc c = image(2000);
        PersistentLayerDesc d = delta(2000, 3000);
        PersistentLayerDesc e = image(3000);
        LayerMap m = map(a, b, c, d, e);
        Lsn big = Lsn.of(4000);
        // the time cutoff holds back what ends above it
        GcResult byPitr = LegacyGc.select(m, big, Lsn.of(1500), Optional.empty(), Optional.empty(), Lsn.of(1500));
        assertEquals(List.of(), names(byPitr));
        assertEquals(4, byPitr.layersNeededByPitr());
        // a branch at 1000 keeps every layer that starts at or below it (A, B); C and D are covered by E
        GcResult byBranch = LegacyGc.select(m, big, big, Optional.of(Lsn.of(1000)), Optional.empty(), big);
        assertEquals(2, byBranch.layersNeededByBranches());
        assertEquals(List.of(c.name(), d.name()).stream().sorted().toList(), names(byBranch));
        // a lease at 1999 the same for layers starting at or below it
        GcResult byLease = LegacyGc.select(m, big, big, Optional.empty(), Optional.of(Lsn.of(1999)), big);
        assertEquals(2, byLease.layersNeededByLeases());
        assertEquals(List.of(c.name(), d.name()).stream().sorted().toList(), names(byLease));
        // the newest image is never covered by a newer one
        assertEquals(1, byLease.layersNotUpdated());
    }

    @Test
    void partialImageCoverageKeepsTheLayer() {
        Key mid = Key.fromHex("000000067F000032BE0000400000000003E8");
        PersistentLayerDesc old = delta(100, 200);
        PersistentLayerDesc halfImage = new PersistentLayerDesc(new ImageLayerName(new KeyRange(Key.MIN, mid),
                Lsn.of(300)), 1000);
        LayerMap m = map(old, halfImage);
        Lsn cutoff = Lsn.of(500);
        assertEquals(List.of(), names(LegacyGc.select(m, cutoff, cutoff, Optional.empty(), Optional.empty(), cutoff)));
        PersistentLayerDesc otherHalf = new PersistentLayerDesc(new ImageLayerName(new KeyRange(mid, Key.MAX),
                Lsn.of(300)), 1000);
        LayerMap full = map(old, halfImage, otherHalf);
        assertEquals(List.of(old.name()),
                names(LegacyGc.select(full, cutoff, cutoff, Optional.empty(), Optional.empty(), cutoff)));
        // images at or above the new cutoff do not count: reads just below the cutoff still need the old layer
        assertEquals(List.of(), names(LegacyGc.select(full, cutoff, cutoff, Optional.empty(), Optional.empty(),
                Lsn.of(300))));
    }
}
