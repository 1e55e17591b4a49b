package io.strata.engine.layermap;

import static io.strata.engine.layermap.TestLayers.delta;
import static io.strata.engine.layermap.TestLayers.image;

import io.strata.engine.key.KeyRange;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * A timeline's layers as compaction leaves them, for tests: per LSN epoch, L1 deltas over randomly split key
 * ranges; images of whole partitions at some epoch ends (disjoint at any one LSN); L0 deltas on top.
 */
final class RealisticTimeline {
    private static final int PARTITIONS = 20;
    private static final long PARTITION_KEYS = 1000;
    private static final long EPOCH_LSNS = 100;

    private RealisticTimeline() {
    }

    static List<PersistentLayerDesc> generate(long seed, int layers) {
        Random rnd = new Random(seed);
        List<PersistentLayerDesc> out = new ArrayList<>();
        long keyEnd = PARTITIONS * PARTITION_KEYS;
        for (int p = 0; p < PARTITIONS; p++) {
            out.add(image(p * PARTITION_KEYS, (p + 1) * PARTITION_KEYS, 1));
        }
        long lsn = 2;
        while (out.size() < layers - 5) {
            long epochEnd = lsn + EPOCH_LSNS;
            TreeSet<Long> cuts = new TreeSet<>(List.of(0L, keyEnd));
            int pieces = 1 + rnd.nextInt(12);
            for (int i = 0; i < pieces; i++) {
                cuts.add(50L * rnd.nextInt((int) (keyEnd / 50)));
            }
            Long prev = null;
            for (Long cut : cuts) {
                if (prev != null) {
                    out.add(delta(prev, cut, lsn, epochEnd));
                }
                prev = cut;
            }
            for (int p = 0; p < PARTITIONS; p++) {
                if (rnd.nextInt(4) == 0) {
                    out.add(image(p * PARTITION_KEYS, (p + 1) * PARTITION_KEYS, epochEnd));
                }
            }
            lsn = epochEnd + 1;
        }
        for (int i = 0; i < 5; i++) {
            out.add(delta(KeyRange.FULL, lsn, lsn + 10));
            lsn += 10;
        }
        return out;
    }
}
