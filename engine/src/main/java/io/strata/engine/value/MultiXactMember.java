package io.strata.engine.value;

/**
 * One member of a multixact (Postgres {@code MultiXactMember}): a transaction id and its lock status, both u32
 * (the status is a C enum through bindgen, 4 bytes; FORMAT 15). Values are the 32 bits of the ints.
 */
public record MultiXactMember(int xid, int status) {
}
