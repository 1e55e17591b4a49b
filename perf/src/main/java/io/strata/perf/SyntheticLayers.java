package io.strata.perf;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.PersistentLayerDesc;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * A synthetic timeline's layers as Neon's compaction leaves them, for {@code layer-map --generate N}: the key
 * space is relation pages in partitions of 32768 blocks (256 MiB); WAL comes in L0 deltas of 256 MiB of LSNs;
 * every 10 L0s are compacted into L1 deltas over the key space cut at random points; after a compaction each
 * partition gets an image at that LSN with probability 1/3 (as if its delta stack reached the reimage
 * threshold); the newest few L0s are not compacted yet. Deterministic for a seed.
 */
public final class SyntheticLayers {
    /** Blocks per partition: 256 MiB of 8 KiB pages. */
    public static final int PARTITION_BLOCKS = 32768;
    /** Partitions per relation. */
    static final int PARTITIONS_PER_RELATION = 4;
    static final long L0_LSNS = 0x1000_0000L;
    static final int L0S_PER_COMPACTION = 10;
    static final int TOP_L0S = 7;

    private SyntheticLayers() {
    }

    /** A key of relation page {@code block} of partition {@code p}. */
    public static Key key(int partition, long block) {
        int rel = 16384 + partition / PARTITIONS_PER_RELATION;
        long blk = (long) (partition % PARTITIONS_PER_RELATION) * PARTITION_BLOCKS + block;
        return new Key(0, 1663, 16384, rel, 0, (int) blk);
    }

    /** The key space of {@code partitions} partitions, [start of partition 0, start of partition n). */
    static Key partitionStart(int p) {
        return key(p, 0);
    }

    public static List<PersistentLayerDesc> generate(int n, long seed) {
        if (n < TOP_L0S + 2) {
            throw new IllegalArgumentException("--generate needs at least " + (TOP_L0S + 2) + " layers, got " + n);
        }
        Random rnd = new Random(seed);
        // about 1.33 layers per partition per compaction; at least 3 compactions' worth
        int partitions = Math.max(2, Math.min(2000, n / 400));
        List<PersistentLayerDesc> out = new ArrayList<>(n);
        long lsn = 0x0100_0000L;
        for (int p = 0; p < partitions && out.size() < n - TOP_L0S; p++) {
            out.add(image(partitionStart(p), partitionStart(p + 1), lsn));
        }
        lsn++;
        while (out.size() < n - TOP_L0S) {
            long end = lsn + L0S_PER_COMPACTION * L0_LSNS;
            TreeSet<Integer> cuts = new TreeSet<>(List.of(0, partitions * PARTITION_BLOCKS));
            while (cuts.size() < partitions + 1) {
                cuts.add(rnd.nextInt(partitions * PARTITION_BLOCKS));
            }
            Integer prev = null;
            for (int cut : cuts) {
                if (prev != null && out.size() < n - TOP_L0S) {
                    out.add(delta(keyAt(prev), keyAt(cut), lsn, end));
                }
                prev = cut;
            }
            for (int p = 0; p < partitions && out.size() < n - TOP_L0S; p++) {
                if (rnd.nextInt(3) == 0) {
                    out.add(image(partitionStart(p), partitionStart(p + 1), end));
                }
            }
            lsn = end + 1;
        }
        while (out.size() < n) {
            out.add(delta(Key.MIN, Key.MAX, lsn, lsn + L0_LSNS));
            lsn += L0_LSNS;
        }
        return out;
    }

    /** The key {@code i} blocks from the start of the key space (partitions laid end to end). */
    private static Key keyAt(int i) {
        return key(i / PARTITION_BLOCKS, i % PARTITION_BLOCKS);
    }

    private static PersistentLayerDesc image(Key start, Key end, long lsn) {
        return new PersistentLayerDesc(new ImageLayerName(new KeyRange(start, end), new Lsn(lsn)), 0);
    }

    private static PersistentLayerDesc delta(Key start, Key end, long lsnStart, long lsnEnd) {
        return new PersistentLayerDesc(new DeltaLayerName(new KeyRange(start, end), new Lsn(lsnStart),
                new Lsn(lsnEnd)), 0);
    }
}
