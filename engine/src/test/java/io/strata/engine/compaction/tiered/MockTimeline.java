package io.strata.engine.compaction.tiered;

import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIdentity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Neon's compaction simulator ({@code simulator.rs}): a timeline in memory that ingests records of given sizes,
 * flushes them into L0 delta layers of about the target file size, and executes compaction on "layer files"
 * that are just lists of records. Keys are random but seeded, so runs repeat.
 */
final class MockTimeline implements CompactionJobExecutor<Long, MockLayer, MockLayer.Delta, MockRequestContext> {
    private static final Logger log = LoggerFactory.getLogger(MockTimeline.class);

    // Parameters of the compaction algorithm
    long targetFileSize = 256L * 1024 * 1024;
    long tiersPerLevel = 4;

    private long numL0Flushes;
    private long lastCompactAtFlush;
    private Lsn lastFlushLsn = Lsn.INVALID;

    // The in-memory layer
    private List<MockRecord> records = new ArrayList<>();
    private long totalLen;
    private Lsn startLsn = Lsn.of(1000);
    private Lsn endLsn = Lsn.of(1000);

    /** The key space at {@code endLsn}, grown by every ingest. */
    private List<Range<Long>> keyspace = List.of();

    /** The "files" on disk. */
    final List<MockLayer> liveLayers = new ArrayList<>();

    private final SplittableRandom random;

    // Statistics
    long walIngested;
    long bytesWritten;
    long bytesDeleted;
    long layersCreated;
    long layersDeleted;
    // What was flushed, to check that compaction loses and duplicates no record.
    long flushedRecords;
    long flushedDigest;

    MockTimeline() {
        this(0x5eed_c0ffeeL);
    }

    MockTimeline(long seed) {
        this.random = new SplittableRandom(seed);
    }

    Lsn lastFlushLsn() {
        return lastFlushLsn;
    }

    long numL0Flushes() {
        return numL0Flushes;
    }

    /** Compacts everything below the last flush. */
    Mono<Void> compact() {
        return CompactTiered.compactTiered(this, lastFlushLsn, targetFileSize, tiersPerLevel, new MockRequestContext());
    }

    /** Compacts once every {@code tiersPerLevel} flushes, as the simulator's driver does. */
    Mono<Void> compactIfNeeded() {
        return Mono.defer(() -> {
            if (numL0Flushes - lastCompactAtFlush < tiersPerLevel) {
                return Mono.empty();
            }
            return compact().then(Mono.fromRunnable(() -> lastCompactAtFlush = numL0Flushes));
        });
    }

    void ingestRecord(long key, long len) {
        records.add(new MockRecord(endLsn, key, len));
        totalLen += len;
        endLsn = endLsn.add(len);
        if (totalLen > targetFileSize) {
            flushL0();
        }
    }

    /** Ingests {@code numRecords} records with keys uniformly random in {@code keyRange}. */
    void ingestUniform(long numRecords, long len, Range<Long> keyRange) {
        keyspace = CompactionHelpers.unionToKeyspace(keyspace, List.of(keyRange), MockKeys.INSTANCE);
        for (long i = 0; i < numRecords; i++) {
            ingestRecord(random.nextLong(keyRange.start(), keyRange.end()), len);
            walIngested += len;
        }
    }

    void flushL0() {
        if (records.isEmpty()) {
            return;
        }
        List<MockRecord> sorted = records;
        sorted.sort(Comparator.comparing(MockRecord::key, MockKeys.INSTANCE)); // stable: LSN order within a key
        MockLayer.Delta layer = new MockLayer.Delta(MockKeys.INSTANCE.fullRange(), new Range<>(startLsn, endLsn),
                totalLen, sorted);
        log.debug("flushed L0 layer {}", layer.shortId());
        liveLayers.add(layer);
        for (MockRecord r : sorted) {
            flushedRecords++;
            flushedDigest += digest(r);
        }
        startLsn = endLsn;
        totalLen = 0;
        records = new ArrayList<>();
        layersCreated++;
        bytesWritten += layer.fileSize();
        numL0Flushes++;
        lastFlushLsn = endLsn;
    }

    static long digest(MockRecord r) {
        long h = r.lsn().value() * 0x9E37_79B9_7F4A_7C15L ^ r.key() * 0xC2B2_AE3D_27D4_EB4FL ^ r.len();
        return h ^ (h >>> 31);
    }

    String stats() {
        return String.format("STATISTICS:%nWAL ingested:   %10d MB%nsize created:   %10d MB%nsize deleted:   %10d MB%n"
                        + "files created:     %10d%nfiles deleted:     %10d%nwrite amp:         %10.2f%n"
                        + "storage amp:       %10.2f%n",
                walIngested >> 20, bytesWritten >> 20, bytesDeleted >> 20, layersCreated, layersDeleted,
                (double) bytesWritten / walIngested, (double) (bytesWritten - bytesDeleted) / walIngested);
    }

    // ---------------------------------------------------------------- CompactionJobExecutor

    @Override
    public CompactionKey<Long> compactionKey() {
        return MockKeys.INSTANCE;
    }

    @Override
    public ShardIdentity getShardIdentity() {
        return ShardIdentity.unsharded();
    }

    @Override
    public Mono<List<MockLayer>> getLayers(Range<Long> keyRange, Range<Lsn> lsnRange, MockRequestContext ctx) {
        return Mono.fromSupplier(() -> {
            liveLayers.removeIf(MockLayer::isDeleted);
            return liveLayers.stream()
                    .filter(l -> CompactionHelpers.overlapsWith(l.lsnRange(), lsnRange)
                            && CompactionHelpers.overlapsWith(l.keyRange(), keyRange, MockKeys.INSTANCE))
                    .toList();
        });
    }

    /** The current key space whatever the LSN: compaction only asks at a level's end, which is all it needs. */
    @Override
    public Mono<List<Range<Long>>> getKeyspace(Range<Long> keyRange, Lsn lsn, MockRequestContext ctx) {
        return Mono.fromSupplier(() -> CompactionHelpers.intersectKeyspace(keyspace, keyRange, MockKeys.INSTANCE));
    }

    @Override
    public Mono<MockLayer.Delta> downcastDeltaLayer(MockLayer layer, MockRequestContext ctx) {
        return Mono.justOrEmpty(layer instanceof MockLayer.Delta d ? d : null);
    }

    @Override
    public Mono<Void> createImage(Lsn lsn, Range<Long> keyRange, MockRequestContext ctx) {
        return getKeyspace(keyRange, lsn, ctx).doOnNext(ks -> {
            long accumSize = 0;
            for (Range<Long> r : ks) {
                accumSize += r.end() - r.start();
            }
            MockLayer.Image layer = new MockLayer.Image(keyRange, new Range<>(lsn, lsn),
                    accumSize * CompactionHelpers.PAGE_SZ);
            log.debug("created image layer, size {}: {}", layer.fileSize(), layer.shortId());
            liveLayers.add(layer);
            bytesWritten += layer.fileSize();
            layersCreated++;
        }).then();
    }

    @Override
    public Mono<Void> createDelta(Range<Lsn> lsnRange, Range<Long> keyRange, List<MockLayer.Delta> inputLayers,
                                  MockRequestContext ctx) {
        return CompactionHelpers.mergeDeltaKeys(inputLayers, MockKeys.INSTANCE, ctx)
                .filter(e -> keyRange.contains(e.key(), MockKeys.INSTANCE) && lsnRange.contains(e.lsn(), Comparator.naturalOrder()))
                .collectList()
                .doOnNext(recs -> {
                    long total = 2; // as Neon's mock: a delta is never empty
                    for (MockRecord r : recs) {
                        total += r.len();
                    }
                    MockLayer.Delta layer = new MockLayer.Delta(keyRange, lsnRange, total, recs);
                    log.debug("created delta layer, recs {}, size {}: {}", recs.size(), total, layer.shortId());
                    liveLayers.add(layer);
                    bytesWritten += total;
                    layersCreated++;
                })
                .then();
    }

    @Override
    public Mono<Void> deleteLayer(MockLayer layer, MockRequestContext ctx) {
        return Mono.fromRunnable(() -> {
            log.debug("deleting layer: {}", layer.shortId());
            layer.markDeleted();
            layersDeleted++;
            bytesDeleted += layer.fileSize();
        });
    }
}
