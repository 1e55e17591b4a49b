package io.strata.perf;

import java.io.IOException;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * One of Neon's {@code bench_ingest} cases on RocksDB: the same keys (as {@code key ‖ ~LSN}), LSNs and all-zero
 * values, written in batches of {@link IngestBench#BATCH} without the WAL into a memtable sized to hold the whole
 * run (as Strata's in-memory layer holds it); with delta, flushed to one L0 file, Strata's L0 delta layer. Timed from
 * the first put to the end of the flush; opening and removing the database are not timed.
 */
final class RocksIngest {
    /** Memtable bytes per entry beyond key and value: skip-list node and arena rounding, generously. */
    private static final long ENTRY_OVERHEAD = 64;

    private RocksIngest() {
    }

    static IngestBench.Run run(IngestBench.Case c, int puts, Path dir, CpuClock cpu)
            throws IOException, RocksDBException {
        IngestBench.deleteTree(dir);
        long memtable = Math.max(64L << 20,
                (long) puts * (c.valueSize + RocksPeer.VERSION_KEY_SIZE + ENTRY_OVERHEAD) * 5 / 4);
        byte[] value = new byte[c.valueSize];
        try (RocksPeer peer = RocksPeer.open(dir, 8L << 20, memtable)) {
            long cpu0 = cpu.processCpuNanos();
            long t0 = System.nanoTime();
            for (int from = 0; from < puts; from += IngestBench.BATCH) {
                int to = Math.min(puts, from + IngestBench.BATCH);
                try (WriteBatch batch = new WriteBatch()) {
                    for (int i = from; i < to; i++) {
                        batch.put(RocksPeer.versionKey(IngestBench.key(c.layout, i), IngestBench.lsn(c.valueSize, i)),
                                value);
                    }
                    peer.write(batch);
                }
            }
            long putsDone = System.nanoTime();
            long fileBytes = 0;
            if (c.writeDelta) {
                peer.flush();
                fileBytes = peer.sstBytes();
            }
            long nanos = System.nanoTime() - t0;
            long cpuNanos = cpu0 < 0 ? -1 : cpu.processCpuNanos() - cpu0;
            return new IngestBench.Run(nanos, cpuNanos, (long) c.valueSize * puts, fileBytes, putsDone - t0);
        } finally {
            IngestBench.deleteTree(dir);
        }
    }
}
