package io.strata.engine.inmemory;

import io.strata.engine.bincode.BincodeWriter;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.read.OnDiskValue;
import io.strata.engine.read.OnDiskValueIo;
import io.strata.engine.read.PointValues;
import io.strata.engine.read.ReadableLayer;
import io.strata.engine.read.ValuesReconstructState;
import io.strata.engine.value.Value;
import io.strata.engine.value.ValueCodec;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.IoEngine;
import io.strata.io.write.EphemeralFile;
import io.strata.io.write.EphemeralFile.ByteRange;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;

/**
 * The layer that receives new WAL (Neon's {@code InMemoryLayer}): values are serialized with bincode and appended to
 * an {@link EphemeralFile}; only their positions are kept in memory, in an index mapping each key to its versions in
 * LSN order ({@code BTreeMap<CompactKey, VecMap<Lsn, IndexEntry>>} in Neon). The layer covers
 * {@code [startLsn, endLsn)}; {@code endLsn} is {@link Lsn#MAX} until {@link #freeze}, after which it is read-only and
 * can be written to disk as an L0 delta layer ({@link #writeToDisk}).
 *
 * <p><b>Threads.</b> One writer: puts (and freeze) must be sequential, a concurrent one is refused. Reads
 * ({@link #getValuesReconstructData}, {@link #entries()}) run concurrently with the writer and with each other and
 * take no lock: a read sees every put that completed before it started planning. A batch is appended to the file
 * before its entries are indexed, so whatever a read finds in the index is readable; a read concurrent with a batch
 * may see part of it, which the read path never notices (it reads at LSNs whose puts completed). Nothing blocks a
 * thread.
 */
public final class InMemoryLayer implements ReadableLayer {
    private final long id;
    private final Lsn startLsn;
    private final EphemeralFile file;
    private final ConcurrentSkipListMap<Key, KeyVersions> index = new ConcurrentSkipListMap<>();
    private final AtomicBoolean writing = new AtomicBoolean();
    private volatile Lsn endLsn;
    private volatile Lsn maxLsn;
    private volatile int keyCount;
    private volatile boolean closed;

    private InMemoryLayer(long id, Lsn startLsn, EphemeralFile file) {
        this.id = id;
        this.startLsn = startLsn;
        this.file = file;
    }

    /**
     * Creates an empty layer starting at {@code startLsn} (inclusive) whose values go to {@code dir/ephemeral-<id>}.
     * The file's write tail, its writes in flight and its reads use buffers of {@code pool}, whose buffer size must
     * be a multiple of the file system's O_DIRECT alignment.
     */
    public static Mono<InMemoryLayer> create(IoEngine engine, Path dir, long id, Lsn startLsn,
                                             AlignedBufferPool pool) {
        return create(engine, dir, id, startLsn, pool, EphemeralFile.Options.defaults());
    }

    public static Mono<InMemoryLayer> create(IoEngine engine, Path dir, long id, Lsn startLsn,
                                             AlignedBufferPool pool, EphemeralFile.Options options) {
        Objects.requireNonNull(startLsn, "startLsn");
        return EphemeralFile.create(engine, dir, id, pool, options).map(f -> new InMemoryLayer(id, startLsn, f));
    }

    /** The id given at creation (the number of the ephemeral file). */
    public long id() {
        return id;
    }

    public Lsn startLsn() {
        return startLsn;
    }

    /** The exclusive end LSN: {@link Lsn#MAX} while the layer is open. */
    public Lsn endLsn() {
        Lsn end = endLsn;
        return end == null ? Lsn.MAX : end;
    }

    public boolean isFrozen() {
        return endLsn != null;
    }

    /** Bytes appended to the ephemeral file (Neon's {@code len()}). */
    public long size() {
        return file.length();
    }

    /** The largest LSN put so far, empty while the layer holds nothing. */
    public Optional<Lsn> maxLsn() {
        return Optional.ofNullable(maxLsn);
    }

    /** Keys with at least one version. */
    public int keyCount() {
        return keyCount;
    }

    /** The ephemeral file's path. */
    public Path path() {
        return file.path();
    }

    @Override
    public boolean isDelta() {
        return false;
    }

    /** Neon's display form: {@code inmem-<start>-<end>}, each LSN as 16 upper-case hex digits. */
    @Override
    public String describe() {
        return "inmem-" + startLsn.toFileNameHex() + "-" + endLsn().toFileNameHex();
    }

    /** Puts one value: {@link #putBatch} of one entry. */
    public Mono<Void> put(Key key, Lsn lsn, Value value) {
        return putBatch(List.of(new LayerEntry(key, lsn, value)));
    }

    /**
     * Appends the values of {@code entries} to the ephemeral file as one write, then indexes them (Neon's
     * {@code put_batch}). Refused, before anything is written, if the layer is frozen or closed, an LSN is below
     * the start LSN, a (key, lsn) is already present, or a key's LSN is below one already put for it (each key's
     * versions come in LSN order, as ingestion produces them). Puts must be sequential; cancelling one only stops
     * waiting for it (it still completes, so the layer stays consistent).
     */
    public Mono<Void> putBatch(List<LayerEntry> entries) {
        List<LayerEntry> batch = List.copyOf(entries);
        return Mono.defer(() -> {
            if (!writing.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException("put into in-memory layer " + describe()
                        + " while another put or a freeze is running: puts must be sequential"));
            }
            Mono<Void> run;
            try {
                run = putBatch0(batch);
            } catch (RuntimeException e) {
                run = Mono.error(e);
            }
            // detached: a put either completes or fails, never stops between the append and the index update
            Mono<Void> done = run.doOnTerminate(() -> writing.set(false)).cache();
            done.subscribe(null, e -> { });
            return done;
        });
    }

    private Mono<Void> putBatch0(List<LayerEntry> batch) {
        if (closed) {
            throw new IllegalStateException("put into closed in-memory layer " + describe());
        }
        if (endLsn != null) {
            LayerEntry first = batch.isEmpty() ? null : batch.get(0);
            throw new IllegalStateException("put" + (first == null ? "" : " of key " + first.key() + " at "
                    + first.lsn()) + " into frozen in-memory layer " + describe());
        }
        if (batch.isEmpty()) {
            return Mono.empty();
        }
        Map<Key, Lsn> lastInBatch = new HashMap<>();
        BincodeWriter w = new BincodeWriter();
        int n = batch.size();
        int[] offsets = new int[n + 1];
        boolean[] willInit = new boolean[n];
        // each key's versions, looked up once per batch (null: a new key); reused when indexing below
        KeyVersions[] found = new KeyVersions[n];
        Map<Key, KeyVersions> foundByKey = new HashMap<>();
        for (int i = 0; i < n; i++) {
            LayerEntry e = batch.get(i);
            Key key = Objects.requireNonNull(e.key(), "key");
            Lsn lsn = Objects.requireNonNull(e.lsn(), "lsn");
            Value value = Objects.requireNonNull(e.value(), "value");
            if (lsn.isBefore(startLsn)) {
                throw new IllegalArgumentException("LSN " + lsn + " of key " + key + " is below the start LSN "
                        + startLsn + " of in-memory layer " + describe());
            }
            Lsn last = lastInBatch.get(key);
            if (last == null) {
                KeyVersions v = index.get(key);
                foundByKey.put(key, v);
                found[i] = v;
                last = v == null ? null : new Lsn(v.lastLsn());
            } else {
                found[i] = foundByKey.get(key);
            }
            if (last != null && !lsn.isAfter(last)) {
                throw new IllegalArgumentException(lsn.equals(last)
                        ? "key " + key + " at LSN " + lsn + " is already in in-memory layer " + describe()
                        : "key " + key + " at LSN " + lsn + " is below the key's latest LSN " + last
                                + " in in-memory layer " + describe() + ": a key's versions must be put in LSN order");
            }
            lastInBatch.put(key, lsn);
            ValueCodec.encode(value, w);
            offsets[i + 1] = w.length();
            int len = offsets[i + 1] - offsets[i];
            if (len > IndexEntry.MAX_SUPPORTED_BLOB_LEN) {
                throw new IllegalArgumentException("the value of key " + key + " at LSN " + lsn + " is " + len
                        + " bytes serialized, above the " + IndexEntry.MAX_SUPPORTED_BLOB_LEN + " a layer supports");
            }
            willInit[i] = value.willInit();
        }
        return file.append(w.buffer(), 0, w.length()).map(base -> {
            long[] packed = new long[n];
            for (int i = 0; i < n; i++) {
                packed[i] = IndexEntry.pack(base, offsets[i], offsets[i + 1] - offsets[i], willInit[i]);
            }
            Lsn max = maxLsn;
            Map<Key, KeyVersions> created = null;
            for (int i = 0; i < n; i++) {
                LayerEntry e = batch.get(i);
                KeyVersions v = found[i];
                if (v == null && created != null) {
                    v = created.get(e.key()); // a new key met earlier in this batch
                }
                boolean added = v == null;
                if (added) {
                    v = new KeyVersions();
                    if (created == null) {
                        created = new HashMap<>();
                    }
                    created.put(e.key(), v);
                }
                v.append(e.lsn().value(), packed[i]);
                if (added) {
                    index.put(e.key(), v); // after its first version: readers never find an empty key
                    keyCount++;
                }
                if (max == null || e.lsn().isAfter(max)) {
                    max = e.lsn();
                }
            }
            maxLsn = max;
            return base;
        }).then();
    }

    /**
     * Makes the layer read-only with the exclusive end {@code endLsn} (Neon's {@code freeze}): it must be above
     * the start LSN and every LSN put. Refused while a put runs, and a second time.
     */
    public void freeze(Lsn endLsn) {
        Objects.requireNonNull(endLsn, "endLsn");
        if (!endLsn.isAfter(startLsn)) {
            throw new IllegalArgumentException("end LSN " + endLsn + " of in-memory layer " + describe()
                    + " must be above its start LSN " + startLsn);
        }
        if (!writing.compareAndSet(false, true)) {
            throw new IllegalStateException("freeze of in-memory layer " + describe() + " while a put is running");
        }
        try {
            if (this.endLsn != null) {
                throw new IllegalStateException("in-memory layer " + describe() + " is already frozen");
            }
            Lsn max = maxLsn;
            if (max != null && !max.isBefore(endLsn)) {
                throw new IllegalArgumentException("end LSN " + endLsn + " of in-memory layer " + describe()
                        + " must be above its largest LSN " + max);
            }
            this.endLsn = endLsn;
        } finally {
            writing.set(false);
        }
    }

    /**
     * Neon's {@code get_values_reconstruct_data}: for each range of {@code keySpace}, each key of the index in it,
     * its versions with LSNs in {@code [lsnFloor, lsnCeil)} newest first, each registered with
     * {@link ValuesReconstructState#updateKey} and stopping at the first will_init one; then a single IO reading all
     * of them in one vectored read of the ephemeral file completes each with its bytes
     * ({@link OnDiskValue.WalRecordOrImage}), or fails them all with the read's error.
     */
    @Override
    public Mono<Void> getValuesReconstructData(KeySpace keySpace, Lsn lsnFloor, Lsn lsnCeil,
                                               ValuesReconstructState state) {
        Objects.requireNonNull(keySpace, "keySpace");
        Objects.requireNonNull(state, "state");
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(new IllegalStateException("read of closed in-memory layer " + describe()));
            }
            List<ByteRange> reads = new ArrayList<>();
            List<OnDiskValueIo> ios = new ArrayList<>();
            long floor = lsnFloor.value();
            long ceil = lsnCeil.value();
            for (KeyRange range : keySpace.ranges()) {
                for (Map.Entry<Key, KeyVersions> e : index.subMap(range.start(), true, range.end(), false)
                        .entrySet()) {
                    Key key = e.getKey();
                    KeyVersions.View v = e.getValue().view();
                    for (int i = v.countBelow(ceil) - 1; i >= 0 && Long.compareUnsigned(v.lsn(i), floor) >= 0; i--) {
                        long entry = v.entry(i);
                        boolean willInit = IndexEntry.willInit(entry);
                        OnDiskValueIo io = state.updateKey(key, new Lsn(v.lsn(i)), willInit);
                        if (io.isRequired()) { // else a sparse key already complete: nobody waits for the value
                            reads.add(new ByteRange(IndexEntry.pos(entry), IndexEntry.len(entry)));
                            ios.add(io);
                        }
                        if (willInit) {
                            break;
                        }
                    }
                }
            }
            if (ios.isEmpty()) {
                return Mono.empty();
            }
            Mono<Void> io = file.read(reads)
                    .doOnNext(values -> {
                        for (int i = 0; i < ios.size(); i++) {
                            ios.get(i).complete(new OnDiskValue.WalRecordOrImage(values.get(i)));
                        }
                    })
                    .then()
                    .onErrorResume(err -> {
                        for (OnDiskValueIo o : ios) {
                            o.fail(err);
                        }
                        return Mono.empty();
                    })
                    .doOnCancel(() -> {
                        IllegalStateException err = new IllegalStateException("read of in-memory layer "
                                + describe() + " was cancelled");
                        for (OnDiskValueIo o : ios) {
                            o.fail(err);
                        }
                    });
            return state.spawnIo(io);
        });
    }

    /** The values of {@code key} in {@code [lsnFloor, lsnCeil)} from the in-memory index, for a point get. */
    @Override
    public PointValues planPoint(Key key, Lsn lsnFloor, Lsn lsnCeil) {
        if (closed) {
            return null; // the general path reports it
        }
        KeyVersions versions = index.get(key);
        if (versions == null) {
            return PointValues.NONE;
        }
        KeyVersions.View v = versions.view();
        long floor = lsnFloor.value();
        List<ByteRange> reads = new ArrayList<>(2);
        List<Lsn> lsns = new ArrayList<>(2);
        boolean completes = false;
        for (int i = v.countBelow(lsnCeil.value()) - 1; i >= 0 && Long.compareUnsigned(v.lsn(i), floor) >= 0; i--) {
            long entry = v.entry(i);
            reads.add(new ByteRange(IndexEntry.pos(entry), IndexEntry.len(entry)));
            lsns.add(new Lsn(v.lsn(i)));
            if (IndexEntry.willInit(entry)) {
                completes = true;
                break;
            }
        }
        if (reads.isEmpty()) {
            return PointValues.NONE;
        }
        return new PointRead(file, reads, lsns, completes);
    }

    /** One key's values in this layer for a point get, newest first, read from the ephemeral file. */
    private record PointRead(EphemeralFile file, List<ByteRange> reads, List<Lsn> lsns, boolean completes)
            implements PointValues {
        @Override
        public int size() {
            return lsns.size();
        }

        @Override
        public Lsn lsn(int i) {
            return lsns.get(i);
        }

        @Override
        public Mono<Void> read(OnDiskValue[] into, int offset) {
            return file.read(reads).doOnNext(values -> {
                for (int i = 0; i < values.size(); i++) {
                    into[offset + i] = new OnDiskValue.WalRecordOrImage(values.get(i));
                }
            }).then();
        }
    }

    /**
     * The keys in {@code range} with a version in {@code [lsnFloor, lsnCeil)}, adjacent keys coalesced (what the layer
     * adds to a timeline's key space; no value is read). Sees the puts that completed before the call.
     */
    public KeySpace keySpace(KeyRange range, Lsn lsnFloor, Lsn lsnCeil) {
        KeySpace.Builder keys = KeySpace.builder();
        long floor = lsnFloor.value();
        long ceil = lsnCeil.value();
        Key start = null;
        Key end = null;
        for (Map.Entry<Key, KeyVersions> e : index.subMap(range.start(), true, range.end(), false).entrySet()) {
            KeyVersions.View v = e.getValue().view();
            int below = v.countBelow(ceil);
            if (below == 0 || Long.compareUnsigned(v.lsn(below - 1), floor) < 0) {
                continue;
            }
            Key key = e.getKey();
            if (end != null && end.equals(key)) {
                end = key.next();
            } else {
                if (start != null) {
                    keys.add(new KeyRange(start, end));
                }
                start = key;
                end = key.next();
            }
        }
        if (start != null) {
            keys.add(new KeyRange(start, end));
        }
        return keys.build();
    }

    /** Every value in (key, lsn) order, read in batches of {@link IteratorOptions#DEFAULT}. */
    public Flux<LayerEntry> entries() {
        return entries(IteratorOptions.DEFAULT);
    }

    /**
     * Every value in (key, lsn) order, decoded. Values are read from the ephemeral file a batch at a time (at most
     * {@code options.maxBatchCount()} values and {@code options.maxReadSize()} bytes, one larger value alone), the
     * next batch only once the subscriber asked for more than the previous one held. On an open layer each key's
     * versions are those present when the iteration reaches the key.
     */
    public Flux<LayerEntry> entries(IteratorOptions options) {
        return raw(null, options).map(r -> {
            Value v;
            try {
                v = Value.deserialize(r.bytes());
            } catch (RuntimeException e) {
                throw new IllegalStateException("in-memory layer " + describe() + ": cannot decode the value of key "
                        + r.key() + " at " + r.lsn() + ": " + e.getMessage(), e);
            }
            return new LayerEntry(r.key(), r.lsn(), v);
        });
    }

    /** A value as stored: its bincode bytes and will_init bit. */
    private record RawEntry(Key key, Lsn lsn, byte[] bytes, boolean willInit) {
    }

    private Flux<RawEntry> raw(KeyRange keyRange, IteratorOptions options) {
        Objects.requireNonNull(options, "options");
        return Flux.defer(() -> {
            if (closed) {
                return Flux.error(new IllegalStateException("read of closed in-memory layer " + describe()));
            }
            ConcurrentNavigableMap<Key, KeyVersions> keys = keyRange == null ? index
                    : index.subMap(keyRange.start(), true, keyRange.end(), false);
            return Flux.generate(() -> new BatchPlanner(keys.entrySet().iterator(), options), BatchPlanner::next)
                    .concatMap(this::readBatch, 0);
        });
    }

    private Flux<RawEntry> readBatch(List<Planned> batch) {
        List<ByteRange> ranges = new ArrayList<>(batch.size());
        for (Planned p : batch) {
            ranges.add(new ByteRange(IndexEntry.pos(p.entry()), IndexEntry.len(p.entry())));
        }
        return file.read(ranges).flatMapIterable(values -> {
            List<RawEntry> out = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                Planned p = batch.get(i);
                out.add(new RawEntry(p.key(), new Lsn(p.lsn()), values.get(i), IndexEntry.willInit(p.entry())));
            }
            return out;
        });
    }

    private record Planned(Key key, long lsn, long entry) {
    }

    /** Walks the index in (key, lsn) order and cuts it into batches. */
    private static final class BatchPlanner {
        private final Iterator<Map.Entry<Key, KeyVersions>> keys;
        private final IteratorOptions options;
        private Key key;
        private KeyVersions.View versions;
        private int next;

        BatchPlanner(Iterator<Map.Entry<Key, KeyVersions>> keys, IteratorOptions options) {
            this.keys = keys;
            this.options = options;
        }

        BatchPlanner next(SynchronousSink<List<Planned>> sink) {
            List<Planned> batch = new ArrayList<>();
            long bytes = 0;
            while (batch.size() < options.maxBatchCount()) {
                if (versions == null || next == versions.size()) {
                    if (!keys.hasNext()) {
                        break;
                    }
                    Map.Entry<Key, KeyVersions> e = keys.next();
                    key = e.getKey();
                    versions = e.getValue().view();
                    next = 0;
                    continue;
                }
                long entry = versions.entry(next);
                int len = IndexEntry.len(entry);
                if (!batch.isEmpty() && bytes + len > options.maxReadSize()) {
                    break;
                }
                batch.add(new Planned(key, versions.lsn(next), entry));
                bytes += len;
                next++;
            }
            if (batch.isEmpty()) {
                sink.complete();
            } else {
                sink.next(batch);
            }
            return this;
        }
    }

    /** {@link #writeToDisk(LayerWriteContext, KeyRange)} of every key. */
    public Mono<WrittenLayer<DeltaLayerSummary>> writeToDisk(LayerWriteContext ctx) {
        return writeToDisk(ctx, null);
    }

    /**
     * Writes the frozen layer as an L0 delta layer (Neon's {@code write_to_disk}): key range
     * {@code [Key.MIN, Key.MAX)} (L0 layers are identified by the full key range), LSN range
     * {@code [startLsn, endLsn)}, every version of the keys in {@code keyRange} (all keys when null) copied as
     * stored, bytes and will_init bit. Emits the written layer, or nothing when no key is in the range. Refused
     * while the layer is open.
     */
    public Mono<WrittenLayer<DeltaLayerSummary>> writeToDisk(LayerWriteContext ctx, KeyRange keyRange) {
        return writeToDisk(ctx, keyRange, wholeFileFlushLimit(Runtime.getRuntime().maxMemory()));
    }

    /** {@link #writeToDisk(LayerWriteContext, KeyRange)} reading the file whole up to {@code wholeFileLimit} bytes. */
    Mono<WrittenLayer<DeltaLayerSummary>> writeToDisk(LayerWriteContext ctx, KeyRange keyRange, long wholeFileLimit) {
        Objects.requireNonNull(ctx, "ctx");
        return Mono.defer(() -> {
            Lsn end = endLsn;
            if (end == null) {
                return Mono.error(new IllegalStateException("write to disk of in-memory layer " + describe()
                        + ", which is not frozen"));
            }
            if (closed) {
                return Mono.error(new IllegalStateException("write to disk of closed in-memory layer "
                        + describe()));
            }
            boolean any = keyRange == null ? !index.isEmpty()
                    : !index.subMap(keyRange.start(), true, keyRange.end(), false).isEmpty();
            if (!any) {
                return Mono.empty();
            }
            long length = file.length();
            if (keyRange == null && length <= wholeFileLimit) {
                // Neon's L0FlushConfig::Direct: the whole file in memory (sequential reads), values sliced from it
                return DeltaLayerWriter.write(ctx, Key.MIN, startLsn, end,
                        w -> file.read(List.of(new ByteRange(0, (int) length)))
                                .flatMap(all -> {
                                    WholeFileCopy copy = new WholeFileCopy(w, new UnsafeBuffer(all.get(0)));
                                    return Mono.defer(copy::next).repeat(copy::hasNext).then();
                                })
                                .then(Mono.defer(w::finishL0)));
            }
            return DeltaLayerWriter.write(ctx, Key.MIN, startLsn, end,
                    w -> raw(keyRange, IteratorOptions.DEFAULT)
                            .concatMap(r -> w.putValueBytes(r.key(), r.lsn(), r.bytes(), r.willInit()))
                            .then(Mono.defer(w::finishL0)));
        });
    }

    /**
     * Ephemeral files up to this size are flushed from memory whole, as Neon does (its files are bounded by the
     * checkpoint distance); larger ones (or a key-range flush) are read a batch at a time.
     */
    static final long WHOLE_FILE_FLUSH_LIMIT = 1L << 30;

    /**
     * The largest file flushed whole in a JVM whose heap can grow to {@code maxHeap} bytes: {@link
     * #WHOLE_FILE_FLUSH_LIMIT}, but at most an eighth of the heap. The whole file is one heap array, so with a
     * fixed 1 GiB limit a 200 MiB layer did not fit in a 256 MiB heap (the flush failed with OutOfMemoryError while
     * the heap held 20 MiB); a timeline flushing several layers at once, or several timelines, would fail earlier.
     */
    static long wholeFileFlushLimit(long maxHeap) {
        return Math.min(WHOLE_FILE_FLUSH_LIMIT, maxHeap / 8);
    }

    /**
     * Copies every version, in (key, lsn) order, from the file's bytes into the writer: synchronously while the
     * writer accepts values at once, handing back the writer's Mono when it must write a buffer first.
     */
    private final class WholeFileCopy {
        private final DeltaLayerWriter writer;
        private final UnsafeBuffer bytes;
        private final Iterator<Map.Entry<Key, KeyVersions>> keys = index.entrySet().iterator();
        private Key key;
        private KeyVersions.View versions;
        private int next;

        WholeFileCopy(DeltaLayerWriter writer, UnsafeBuffer bytes) {
            this.writer = writer;
            this.bytes = bytes;
        }

        boolean hasNext() {
            return (versions != null && next < versions.size()) || keys.hasNext();
        }

        /** Puts values until the writer needs to wait (its Mono is returned) or none are left. */
        Mono<Void> next() {
            Mono<Void> empty = Mono.empty();
            while (true) {
                if (versions == null || next == versions.size()) {
                    if (!keys.hasNext()) {
                        return empty;
                    }
                    Map.Entry<Key, KeyVersions> e = keys.next();
                    key = e.getKey();
                    versions = e.getValue().view();
                    next = 0;
                    continue;
                }
                long entry = versions.entry(next);
                Lsn lsn = new Lsn(versions.lsn(next));
                next++;
                Mono<Void> m = writer.putValueBytes(key, lsn, bytes, (int) IndexEntry.pos(entry),
                        IndexEntry.len(entry), IndexEntry.willInit(entry));
                if (m != empty) {
                    return m;
                }
            }
        }
    }

    /**
     * Removes the ephemeral file, once the reads and the put in progress are done (Neon drops the layer when its
     * last reference goes). Later puts and reads are refused. Idempotent.
     */
    public Mono<Void> close() {
        return Mono.defer(() -> {
            closed = true;
            return file.close();
        });
    }

    @Override
    public String toString() {
        return describe();
    }
}
