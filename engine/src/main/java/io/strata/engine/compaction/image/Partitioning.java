package io.strata.engine.compaction.image;

import io.strata.engine.key.KeyPartitioning;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A timeline's key space at an LSN, partitioned (Neon's {@code ((KeyPartitioning, SparseKeyPartitioning), Lsn)}).
 *
 * @param dense  the dense keys cut into parts of about the compaction target size; keys below and above the
 *               metadata range are never in one part
 * @param sparse the metadata keys, one part (Neon does not partition them yet), or none
 * @param lsn    where the key space was collected
 */
public record Partitioning(KeyPartitioning dense, KeyPartitioning sparse, Lsn lsn) {
    /** Before the first repartition. */
    public static final Partitioning INITIAL = new Partitioning(KeyPartitioning.empty(), KeyPartitioning.empty(),
            Lsn.INVALID);

    public Partitioning {
        Objects.requireNonNull(dense, "dense");
        Objects.requireNonNull(sparse, "sparse");
        Objects.requireNonNull(lsn, "lsn");
    }

    /**
     * Every part, in key order: what compaction hands to {@link ImageLayerCreation#createImageLayers} (Neon appends
     * the sparse parts to the dense ones; its dense keys all lie below the metadata range, so that is key order).
     */
    public KeyPartitioning combined() {
        List<KeySpace> parts = new ArrayList<>(dense.parts());
        parts.addAll(sparse.parts());
        parts.sort(Comparator.comparing(p -> p.start().orElseThrow()));
        return new KeyPartitioning(parts);
    }
}
