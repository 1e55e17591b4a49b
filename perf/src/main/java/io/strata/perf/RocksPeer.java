package io.strata.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.vectored.VectoredReadPlanner;
import io.strata.io.cache.BlockCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The side-by-side peer: one RocksDB database with Strata's versioned pages stored as {@code key ‖ ~LSN}.
 *
 * <p>Why this encoding rather than RocksDB's user-defined timestamps: the Java binding only offers the built-in
 * bytewise comparators ({@code BuiltinComparator}), not the u64-timestamp one, and a Java comparator would cross JNI
 * on every comparison, which would measure JNI rather than RocksDB. With the 18-byte key followed by the bitwise
 * complement of the LSN, big-endian, the default bytewise order keeps a key's versions together, newest first, so
 * {@code seek(key ‖ ~lsn)} lands on the newest version at or below {@code lsn} in one seek (Neon's "newest image
 * at or below the read LSN"). Every setting that matters for fairness is set and explained in {@link #options}.
 */
final class RocksPeer implements AutoCloseable {
    static final int VERSION_KEY_SIZE = Key.KEY_SIZE + Long.BYTES;

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final Options options;
    private final LRUCache cache;
    private final WriteOptions writeOptions;
    private final RocksDB db;

    private RocksPeer(Path dir, Options options, LRUCache cache, RocksDB db) {
        this.dir = dir;
        this.options = options;
        this.cache = cache;
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        this.db = db;
    }

    /**
     * Opens (creating if missing) a database in {@code dir} with a block cache of {@code cacheBytes}.
     *
     * @param writeBufferBytes the memtable size: ingest sizes it to hold the whole run, as Strata's in-memory layer
     *                         holds it, so both write one L0 file at the end
     */
    static RocksPeer open(Path dir, long cacheBytes, long writeBufferBytes) throws IOException {
        Files.createDirectories(dir);
        LRUCache cache = new LRUCache(cacheBytes);
        Options options = options(cache, writeBufferBytes);
        try {
            return new RocksPeer(dir, options, cache, RocksDB.open(options, dir.toString()));
        } catch (RocksDBException e) {
            options.close();
            cache.close();
            throw new IOException("cannot open RocksDB in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The settings, each chosen so RocksDB does the same work Strata does, on the same budget. */
    private static Options options(LRUCache cache, long writeBufferBytes) {
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                // the same memory budget as Strata's BlockCache ...
                .setBlockCache(cache)
                // ... which also holds Strata's B-tree index blocks: RocksDB's index lives in the same budget
                .setCacheIndexAndFilterBlocks(true)
                // Strata reads and caches 8 KiB blocks
                .setBlockSize(BlockCache.BLOCK_SIZE)
                // no filter policy: Neon's layers have no Bloom filters, and seeks by prefix cannot use whole-key ones
                .setFilterPolicy(null);
        return new Options()
                .setCreateIfMissing(true)
                .setTableFormatConfig(table)
                // Strata reads and writes with O_DIRECT: neither may use the kernel's page cache
                .setUseDirectReads(true)
                .setUseDirectIoForFlushAndCompaction(true)
                // the getpage images and ingest values are stored uncompressed by Strata
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setBottommostCompressionType(CompressionType.NO_COMPRESSION)
                .setWriteBufferSize(writeBufferBytes)
                // two cores: two background flush/compaction jobs at most
                .setMaxBackgroundJobs(2)
                // Strata's layers are written in 1 MiB transfers; same for compaction output and reads-ahead
                .setWritableFileMaxBufferSize(1 << 20)
                .setCompactionReadaheadSize(1 << 20);
    }

    /** What {@link #options} set, for the JSON report. */
    static void describe(ObjectNode n, long cacheBytes) {
        n.put("version", RocksDB.rocksdbVersion().toString());
        n.put("key_encoding", "key(18 B) || ~lsn (8 B big-endian), bytewise comparator, seek to newest <= lsn");
        n.put("block_cache_bytes", cacheBytes);
        n.put("cache_index_and_filter_blocks", true);
        n.put("block_size", BlockCache.BLOCK_SIZE);
        n.put("filter_policy", "none");
        n.put("use_direct_reads", true);
        n.put("use_direct_io_for_flush_and_compaction", true);
        n.put("compression", "none");
        n.put("wal", "disabled (WriteOptions.disableWAL: Strata's ingest has no WAL)");
        n.put("verify_checksums", false);
        n.put("scan_readahead_bytes", VectoredReadPlanner.DEFAULT_MAX_READ_SIZE);
    }

    static byte[] versionKey(Key key, Lsn lsn) {
        byte[] b = new byte[VERSION_KEY_SIZE];
        key.writeTo(b, 0);
        putLong(b, Key.KEY_SIZE, ~lsn.value());
        return b;
    }

    /** The LSN of a version key. */
    static long lsnOf(byte[] versionKey) {
        long v = 0;
        for (int i = Key.KEY_SIZE; i < VERSION_KEY_SIZE; i++) {
            v = (v << 8) | (versionKey[i] & 0xFF);
        }
        return ~v;
    }

    /** Whether two version keys name the same page key. */
    static boolean sameKey(byte[] a, byte[] b) {
        return java.util.Arrays.equals(a, 0, Key.KEY_SIZE, b, 0, Key.KEY_SIZE);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (56 - 8 * i));
        }
    }

    /** Writes a batch without the WAL. */
    void write(WriteBatch batch) throws RocksDBException {
        db.write(writeOptions, batch);
    }

    /** Flushes the memtable to an L0 file and waits for it (Strata's freeze and L0 write). */
    void flush() throws RocksDBException {
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f);
        }
    }

    /** Compacts everything into the bottom level (untimed preparation: the best state of the tree for reads). */
    void compactAll() throws RocksDBException {
        db.compactRange();
    }

    /** Read options of the point reads: no checksum verification, as Neon's layer format has no block checksums. */
    static ReadOptions pointReadOptions() {
        return new ReadOptions().setVerifyChecksums(false);
    }

    /** Read options of the scan: also read ahead as far as Strata's vectored reads coalesce (its max read size). */
    static ReadOptions scanReadOptions() {
        return new ReadOptions().setVerifyChecksums(false).setReadaheadSize(VectoredReadPlanner.DEFAULT_MAX_READ_SIZE);
    }

    RocksIterator iterator(ReadOptions ro) {
        return db.newIterator(ro);
    }

    /** Bytes of the database's SST files. */
    long sstBytes() throws IOException {
        long total = 0;
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".sst")).toList()) {
                total += Files.size(p);
            }
        }
        return total;
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        List<Throwable> errors = new ArrayList<>();
        try {
            db.closeE();
        } catch (RocksDBException e) {
            errors.add(e);
        }
        writeOptions.close();
        options.close();
        cache.close();
        if (!errors.isEmpty()) {
            throw new IllegalStateException("closing RocksDB in " + dir + ": " + errors.get(0).getMessage(),
                    errors.get(0));
        }
    }
}
