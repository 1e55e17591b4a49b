package io.strata.engine.btree;

/** Scan order from a search key: ascending over keys {@code >=} it, or descending over keys {@code <=} it. */
public enum VisitDirection {
    FORWARDS,
    BACKWARDS
}
