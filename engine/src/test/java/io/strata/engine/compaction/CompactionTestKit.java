package io.strata.engine.compaction;

import static io.strata.engine.layer.LayerTestSupport.T;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorChecks;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.value.Value;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Real layer files for the compaction tests: Neon's {@code produce_delta_layer} and an image layer builder, the
 * merge's read pool (leak-tracked), and Neon's test key and sort helpers.
 */
final class CompactionTestKit implements AutoCloseable {
    static final Key BASE = Key.fromHex("000000000033333333444444445500000000");

    final LayerTestSupport io;
    final AlignedBufferPool mergePool = new AlignedBufferPool(64 * 1024, 16, 4096).trackLeaks(true);
    private final List<LayerReader<?>> readers = new ArrayList<>();

    CompactionTestKit(Path dir) {
        this.io = new LayerTestSupport(dir);
    }

    /** Neon's {@code get_key}: the base key with field6 = id. */
    static Key getKey(int id) {
        return new Key(BASE.field1(), BASE.field2(), BASE.field3(), BASE.field4(), BASE.field5(), id);
    }

    static Value image(String s) {
        return new Value.Image(s.getBytes(StandardCharsets.UTF_8));
    }

    static LayerEntry entry(Key key, long lsn, Value value) {
        return new LayerEntry(key, Lsn.of(lsn), value);
    }

    /** Neon's {@code sort_delta}: by (key, lsn); stable. */
    static final Comparator<LayerEntry> SORT_DELTA = Comparator.comparing(LayerEntry::key)
            .thenComparing(LayerEntry::lsn);

    /** Neon's {@code sort_delta_value}: by (key, lsn), images before WAL records; stable. */
    static final Comparator<LayerEntry> SORT_DELTA_VALUE = SORT_DELTA
            .thenComparingInt(e -> e.value() instanceof Value.Image ? 0 : 1);

    /**
     * Neon's {@code produce_delta_layer}: the entries sorted, over [first key, last key + 1) and [min LSN, max LSN +
     * 1), written and opened.
     */
    DeltaLayerReader produceDeltaLayer(List<LayerEntry> entries) {
        List<LayerEntry> sorted = new ArrayList<>(entries);
        sorted.sort(SORT_DELTA);
        Key start = sorted.get(0).key();
        Key end = sorted.get(sorted.size() - 1).key().next();
        Lsn min = sorted.stream().map(LayerEntry::lsn).min(Comparator.naturalOrder()).orElseThrow();
        Lsn max = sorted.stream().map(LayerEntry::lsn).max(Comparator.naturalOrder()).orElseThrow();
        return delta(new KeyRange(start, end), min, max.add(1), sorted);
    }

    DeltaLayerReader delta(KeyRange range, Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> sorted) {
        WrittenLayer<DeltaLayerSummary> w = DeltaLayerWriter.write(io.ctx(), range.start(), lsnStart, lsnEnd,
                writer -> Flux.fromIterable(sorted)
                        .concatMap(e -> writer.putValue(e.key(), e.lsn(), e.value()))
                        .then(Mono.defer(() -> writer.finish(range.end())))).block(T);
        DeltaLayerReader r = DeltaLayerReader.open(io.engine, io.cache, w.path(), null).block(T);
        readers.add(r);
        return r;
    }

    ImageLayerReader imageLayer(KeyRange range, Lsn lsn, SortedMap<Key, byte[]> pages) {
        WrittenLayer<ImageLayerSummary> w = ImageLayerWriter.write(io.ctx(), range, lsn,
                ImageCompressionAlgorithm.DISABLED,
                writer -> Flux.fromIterable(pages.entrySet())
                        .concatMap(e -> writer.putImage(e.getKey(), e.getValue()))
                        .then(Mono.defer(writer::finish))).block(T);
        ImageLayerReader r = ImageLayerReader.open(io.engine, io.cache, w.path(), null).block(T);
        readers.add(r);
        return r;
    }

    /** The image layer's values as a delta layer test sees them: images at its LSN. */
    static List<LayerEntry> imageEntries(Lsn lsn, SortedMap<Key, byte[]> pages) {
        List<LayerEntry> out = new ArrayList<>();
        pages.forEach((k, v) -> out.add(new LayerEntry(k, lsn, new Value.Image(v))));
        return out;
    }

    static List<LayerSource> sources(LayerReader<?>... readers) {
        List<LayerSource> out = new ArrayList<>();
        for (LayerReader<?> r : readers) {
            out.add(LayerSource.of(r));
        }
        return out;
    }

    /** The merge's items as plain entries (what Neon's {@code next} returns). */
    static List<LayerEntry> entries(List<MergeItem> items) {
        return items.stream().map(i -> new LayerEntry(i.key(), i.lsn(), i.value())).toList();
    }

    /** A source that counts its subscriptions (a layer being opened and read). */
    static final class Recording implements LayerSource {
        final LayerSource inner;
        final AtomicInteger subscriptions = new AtomicInteger();

        Recording(LayerSource inner) {
            this.inner = inner;
        }

        @Override
        public LayerName name() {
            return inner.name();
        }

        @Override
        public Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options) {
            return inner.batches(pool, options).doOnSubscribe(s -> subscriptions.incrementAndGet());
        }

        @Override
        public String toString() {
            return inner.toString();
        }
    }

    @Override
    public void close() {
        try {
            for (LayerReader<?> r : readers) {
                r.close().block(T);
            }
            IteratorChecks.awaitAllReturned(mergePool, Duration.ofSeconds(10));
            mergePool.assertNoLeaks();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            io.close();
        }
    }
}
