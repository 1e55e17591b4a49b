package io.strata.engine.check;

/** The operations {@link ModelChecker} draws, with their relative weights. */
public enum ModelOp {
    INGEST(30),
    FLUSH(10),
    L0_COMPACTION(8),
    LEGACY_COMPACTION(4),
    IMAGE_CREATION(7),
    GC_COMPACTION(9),
    LEGACY_GC(9),
    BRANCH(3),
    LEASE_ADD(4),
    LEASE_EXPIRE(2),
    RESTART(2);

    final int weight;

    ModelOp(int weight) {
        this.weight = weight;
    }

    /** Lower case with dashes, as printed in reports. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
