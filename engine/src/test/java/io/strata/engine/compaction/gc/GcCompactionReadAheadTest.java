package io.strata.engine.compaction.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge's read-ahead goes to the layers read at the same time: those that share a key. */
class GcCompactionReadAheadTest {
    private static final IteratorOptions BASE = new IteratorOptions(1 << 20, 128, 4);

    private static PersistentLayerDesc delta(long keyStart, long keyEnd, long lsnStart, long lsnEnd) {
        return new PersistentLayerDesc(new DeltaLayerName(new KeyRange(Key.fromI128(0, keyStart),
                Key.fromI128(0, keyEnd)), new Lsn(lsnStart), new Lsn(lsnEnd)), 1024);
    }

    private static PersistentLayerDesc image(long keyStart, long keyEnd, long lsn) {
        return new PersistentLayerDesc(new ImageLayerName(new KeyRange(Key.fromI128(0, keyStart),
                Key.fromI128(0, keyEnd)), new Lsn(lsn)), 1024);
    }

    @Test
    void keyDisjointLayersAreReadOneAtATimeAndGetTheWholeReadAhead() {
        List<PersistentLayerDesc> l1 = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            l1.add(delta(i * 100, (i + 1) * 100, 0x10, 0x50)); // back to back: an end is not a shared key
        }
        assertEquals(1, GcCompaction.maxKeyOverlap(l1));
        IteratorOptions o = GcCompaction.mergeIteratorOptions(BASE, l1);
        assertEquals(GcCompaction.MERGE_READ_AHEAD_HOPS, o.hopsInFlight());
        assertEquals(BASE.maxReadSize(), o.maxReadSize());
        assertEquals(BASE.maxBatchCount(), o.maxBatchCount());
        assertEquals(BASE.maxReadSpan(), o.maxReadSpan());
    }

    @Test
    void overlappingLayersShareIt() {
        // an image under two L1 runs: at most three layers share a key
        List<PersistentLayerDesc> layers = List.of(image(0, 1000, 0x10), delta(0, 500, 0x10, 0x50),
                delta(500, 1000, 0x10, 0x50), delta(0, 300, 0x50, 0x90), delta(300, 1000, 0x50, 0x90));
        assertEquals(3, GcCompaction.maxKeyOverlap(layers));
        assertEquals(GcCompaction.MERGE_READ_AHEAD_HOPS / 3,
                GcCompaction.mergeIteratorOptions(BASE, layers).hopsInFlight());
    }

    @Test
    void manyOverlappingLayersKeepTheBaseSetting() {
        List<PersistentLayerDesc> l0 = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            l0.add(delta(0, 1000, 0x10 + i * 0x10, 0x20 + i * 0x10)); // L0s: every key in every layer
        }
        assertEquals(20, GcCompaction.maxKeyOverlap(l0));
        assertSame(BASE, GcCompaction.mergeIteratorOptions(BASE, l0));
        assertEquals(0, GcCompaction.maxKeyOverlap(List.of()));
    }
}
