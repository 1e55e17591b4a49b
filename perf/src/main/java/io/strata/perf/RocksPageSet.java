package io.strata.perf;

import io.strata.engine.key.Lsn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * {@link GetPageDataset}'s pages in RocksDB: the same keys, the same 8 KiB images at the same LSNs (the base image of
 * every key at 0x10, then delta {@code j}'s new image of every key {@code k % layers == j}), written once (untimed)
 * and compacted to the bottom level, then kept in the same parent directory for later runs.
 */
final class RocksPageSet {
    private static final String COMPLETE = "STRATA-PERF-COMPLETE";
    private static final int LOAD_BATCH = 64;

    private final GetPageDataset data;
    final Path dir;

    RocksPageSet(GetPageDataset data) {
        this.data = data;
        this.dir = data.dir.resolveSibling(data.dir.getFileName() + "-rocksdb");
    }

    /** Opens the database, loading it first when a previous load did not complete. */
    RocksPeer open(long cacheBytes, Progress progress) throws IOException, RocksDBException {
        if (!Files.exists(dir.resolve(COMPLETE))) {
            IngestBench.deleteTree(dir);
            progress.line("rocksdb: loading " + dir + " (untimed)");
            try (RocksPeer peer = RocksPeer.open(dir, 64L << 20, 64L << 20)) {
                for (int layer = 0; layer < data.layers; layer++) {
                    Lsn lsn = Lsn.of(0x10L * (layer + 1));
                    WriteBatch batch = new WriteBatch();
                    try {
                        for (int i = 0; i < data.keys; i++) {
                            if (layer != 0 && data.layerOf(i) != layer) {
                                continue;
                            }
                            batch.put(RocksPeer.versionKey(GetPageDataset.key(i), lsn), data.page(i, layer));
                            if (batch.count() == LOAD_BATCH) {
                                peer.write(batch);
                                batch.close();
                                batch = new WriteBatch();
                            }
                        }
                        peer.write(batch);
                    } finally {
                        batch.close();
                    }
                }
                peer.flush();
                progress.line("rocksdb: compacting to the bottom level (untimed)");
                peer.compactAll();
            }
            Files.createFile(dir.resolve(COMPLETE));
        }
        return RocksPeer.open(dir, cacheBytes, 64L << 20);
    }
}
