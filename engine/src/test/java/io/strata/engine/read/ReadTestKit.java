package io.strata.engine.read;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.inmemory.InMemoryLayer;
import io.strata.engine.layermap.InMemoryLayerDesc;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredReadPlanner;
import io.strata.engine.walredo.WalRedoManager;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import reactor.core.publisher.Flux;

/**
 * Builds timelines from explicit layers for read-path tests (the counterpart of Neon's
 * {@code create_test_timeline_with_layers}): image layers from (key, page) lists, delta layers from
 * (key, LSN, value) lists, written as real layer files and read through the real io engine.
 */
final class ReadTestKit implements AutoCloseable {
    final LayerTestSupport io;
    final VectoredBlobReader blobReader;
    private final List<PersistentLayer> layers = new ArrayList<>();
    private final List<InMemoryLayer> inMemory = new ArrayList<>();
    private final AlignedBufferPool inMemoryPool = new AlignedBufferPool(64 * 1024, 16, 4096).trackLeaks(true);
    private final boolean cacheValues;

    ReadTestKit(Path dir) {
        this(dir, false);
    }

    /** @param cacheValues read values through the block cache too */
    ReadTestKit(Path dir, boolean cacheValues) {
        this.io = new LayerTestSupport(dir);
        this.blobReader = new VectoredBlobReader(io.readPool);
        this.cacheValues = cacheValues;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static Value append(String s) {
        return new Value.WalRecord(new NeonWalRecord.Test(s, false, false, Optional.empty()));
    }

    static Value init(String s) {
        return new Value.WalRecord(new NeonWalRecord.Test(s, true, true, Optional.empty()));
    }

    static Value image(String s) {
        return new Value.Image(bytes(s));
    }

    /** An image layer over [first key, last key + 1) at {@code lsn}, as Neon's {@code force_create_image_layer}. */
    PersistentLayer image(Lsn lsn, SortedMap<Key, byte[]> pages) {
        return image(new KeyRange(pages.firstKey(), pages.lastKey().next()), lsn, pages);
    }

    PersistentLayer image(KeyRange range, Lsn lsn, SortedMap<Key, byte[]> pages) {
        WrittenLayer<ImageLayerSummary> w = ImageLayerWriter.write(io.ctx(), range, lsn,
                ImageCompressionAlgorithm.DISABLED,
                writer -> Flux.fromIterable(pages.entrySet())
                        .concatMap(e -> writer.putImage(e.getKey(), e.getValue()))
                        .then(writer.finish())).block(LayerTestSupport.T);
        return add(w.name(), w.path(), w.fileSize());
    }

    /** A delta layer over [min key, max key + 1) and {@code [lsnStart, lsnEnd)}, as Neon's inferred key range. */
    PersistentLayer delta(Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> entries) {
        Key min = entries.stream().map(LayerEntry::key).min(Comparator.naturalOrder()).orElseThrow();
        Key max = entries.stream().map(LayerEntry::key).max(Comparator.naturalOrder()).orElseThrow();
        return delta(new KeyRange(min, max.next()), lsnStart, lsnEnd, entries);
    }

    PersistentLayer delta(KeyRange range, Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> entries) {
        List<LayerEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(LayerEntry::key).thenComparing(LayerEntry::lsn));
        WrittenLayer<DeltaLayerSummary> w = DeltaLayerWriter.write(io.ctx(), range.start(), lsnStart, lsnEnd,
                writer -> Flux.fromIterable(sorted)
                        .concatMap(e -> writer.putValue(e.key(), e.lsn(), e.value()))
                        .then(writer.finish(range.end()))).block(LayerTestSupport.T);
        return add(w.name(), w.path(), w.fileSize());
    }

    /**
     * An in-memory layer over {@code [lsnStart, lsnEnd)} holding {@code entries} (in any order), frozen at
     * {@code lsnEnd}, or open when {@code lsnEnd} is {@link Lsn#MAX}. Neon's {@code InMemoryLayerTestDesc}.
     */
    InMemoryLayer inMemory(Lsn lsnStart, Lsn lsnEnd, List<LayerEntry> entries) {
        List<LayerEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(LayerEntry::lsn).thenComparing(LayerEntry::key));
        InMemoryLayer layer = InMemoryLayer.create(io.engine, io.dir, 1000 + inMemory.size(), lsnStart, inMemoryPool)
                .block(LayerTestSupport.T);
        inMemory.add(layer);
        layer.putBatch(sorted).block(LayerTestSupport.T);
        if (!lsnEnd.equals(Lsn.MAX)) {
            layer.freeze(lsnEnd);
        }
        return layer;
    }

    private PersistentLayer add(LayerName name, Path path, long size) {
        PersistentLayer layer = PersistentLayer.open(new PersistentLayerDesc(name, size), io.engine, io.cache, path,
                blobReader, VectoredReadPlanner.DEFAULT_MAX_READ_SIZE, cacheValues);
        layers.add(layer);
        return layer;
    }

    /** A snapshot holding every layer this kit wrote. */
    LayerSnapshot snapshot() {
        return snapshot(layers, inMemory);
    }

    /** A snapshot holding {@code of}. */
    static LayerSnapshot snapshot(List<PersistentLayer> of) {
        return snapshot(of, List.of());
    }

    /** A snapshot holding persistent layers and in-memory layers (frozen ones in LSN order, then the open one). */
    static LayerSnapshot snapshot(List<PersistentLayer> of, List<InMemoryLayer> memory) {
        var update = LayerMap.EMPTY.batchUpdate();
        Map<LayerName, ReadableLayer> byName = new HashMap<>();
        for (PersistentLayer l : of) {
            update.insertHistoric(l.desc());
            byName.put(l.desc().name(), l);
        }
        LayerMap map = update.flush();
        Map<Long, ReadableLayer> byId = new HashMap<>();
        List<InMemoryLayer> ordered = new ArrayList<>(memory);
        ordered.sort(Comparator.comparing(InMemoryLayer::startLsn));
        for (InMemoryLayer l : ordered) {
            map = map.withOpenLayer(InMemoryLayerDesc.open(l.id(), l.startLsn()));
            if (l.isFrozen()) {
                map = map.freezeOpenLayer(l.endLsn());
            }
            byId.put(l.id(), l);
        }
        return new LayerSnapshot(map, byName, byId);
    }

    Timeline timeline(ReadOptions options) {
        return new Timeline(TimelineId.generate(), Optional.empty(), snapshot(), redo(), options);
    }

    Timeline timeline() {
        return timeline(ReadOptions.DEFAULT);
    }

    /** A timeline of {@code of}, branched from {@code parent} at {@code branchLsn}. */
    Timeline child(Timeline parent, Lsn branchLsn, List<PersistentLayer> of) {
        return new Timeline(TimelineId.generate(),
                Optional.of(new ReadTimeline.Ancestor(parent, branchLsn)), snapshot(of), redo(), ReadOptions.DEFAULT);
    }

    /** A timeline of {@code of} alone. */
    Timeline timeline(List<PersistentLayer> of) {
        return new Timeline(TimelineId.generate(), Optional.empty(), snapshot(of), redo(), ReadOptions.DEFAULT);
    }

    static WalRedoManager redo() {
        return new io.strata.engine.walredo.NeonWalRedo();
    }

    @Override
    public void close() {
        try {
            for (PersistentLayer l : layers) {
                l.close().block(LayerTestSupport.T);
            }
            for (InMemoryLayer l : inMemory) {
                l.close().block(LayerTestSupport.T);
            }
            inMemoryPool.assertNoLeaks();
        } finally {
            io.close();
        }
    }
}
