package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;

/** One WAL record of the simulator: only its key, LSN and length matter. */
record MockRecord(Lsn lsn, Long key, long len) implements CompactionDeltaEntry<Long> {
    @Override
    public long size() {
        return len;
    }
}
