package io.strata.engine.btree;

/** Callback of {@link DiskBtreeReader#visit}: sees each entry in scan order and returns false to stop. */
@FunctionalInterface
public interface BtreeVisitor {
    /** @param entry valid only during this call (see {@link BtreeEntry}) */
    boolean visit(BtreeEntry entry);
}
