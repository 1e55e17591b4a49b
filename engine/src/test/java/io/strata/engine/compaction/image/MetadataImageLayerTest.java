package io.strata.engine.compaction.image;

import static io.strata.engine.compaction.image.ImageTestSupport.assertSamePages;
import static io.strata.engine.compaction.image.ImageTestSupport.imageContents;
import static io.strata.engine.compaction.image.ImageTestSupport.read;
import static io.strata.engine.timeline.TimelineTestSupport.T;
import static io.strata.engine.timeline.TimelineTestSupport.TENANT;
import static io.strata.engine.timeline.TimelineTestSupport.TIMELINE;
import static io.strata.engine.timeline.TimelineTestSupport.config;
import static io.strata.engine.timeline.TimelineTestSupport.open;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.Workload;
import io.strata.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * The metadata partition (Neon's {@code create_image_layer_for_metadata_keys}): one read of the sparse keys, an image
 * in TRY mode only once that read went through {@link ImageLayerCreationConfig#MAX_AUX_FILE_V2_DELTAS} delta layers,
 * tombstones (empty values) left out, and keys that do not exist simply absent.
 */
class MetadataImageLayerTest {
    private static final ImageLayerCreationConfig CFG = ImageLayerCreationConfig.defaults()
            .withCompactionTargetSize(16 * 8192L).withImageLayerCreationCheckThreshold(0);
    private static final KeyRange AUX = new KeyRange(new Key(Key.AUX_KEY_PREFIX, 0, 0, 0, 0, 0),
            new Key(Key.AUX_KEY_PREFIX, 0, 0, 0, 0, 100));

    @TempDir
    Path dir;

    private final Workload w = new Workload(Lsn.of(0x1000), 23, 100);
    private StrataEngine engine;
    private Timeline t;
    /** The sparse keys' values as the oracle has them; an empty value is a tombstone. */
    private final TreeMap<Key, byte[]> sparse = new TreeMap<>();
    private Lsn next;

    private static Key s(int i) {
        return new Key(Key.AUX_KEY_PREFIX, 0, 0, 0, 0, i);
    }

    @BeforeEach
    void setUp() {
        engine = open(dir, config(1 << 20));
        t = engine.createTenant(TENANT).block(T).createTimeline(TIMELINE, w.start).block(T);
        t.ingest(Flux.fromIterable(w.batches(1, 100, 20))).block(T);
        t.freezeAndFlush().block(T);
        next = w.lsn(100).add(8);
    }

    @AfterEach
    void close() {
        engine.close().block(T);
    }

    /** One more L0 layer: sparse key {@code i} set to {@code value} (empty: deleted). */
    private void putAndFlush(int i, byte[] value) {
        t.ingest(Flux.just(List.of(new IngestRecord(s(i), next, new Value.Image(value))))).block(T);
        t.freezeAndFlush().block(T);
        sparse.put(s(i), value);
        next = next.add(8);
    }

    private static byte[] value(int i, int version) {
        return ("aux" + i + "v" + version).getBytes(StandardCharsets.UTF_8);
    }

    private TreeMap<Key, byte[]> liveSparse() {
        TreeMap<Key, byte[]> live = new TreeMap<>();
        sparse.forEach((k, v) -> {
            if (v.length > 0) {
                live.put(k, v);
            }
        });
        return live;
    }

    @Test
    void tryImagesTheMetadataOnlyOnceReadsGoThroughManyDeltaLayers() {
        for (int i = 0; i < 5; i++) {
            putAndFlush(i, value(i, 1));
        }
        putAndFlush(1, new byte[0]); // a tombstone
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Partitioning p = ilc.repartition(ilc.partitionLsn(), CFG.compactionTargetSize(), false).block(T);
        // the tombstoned key still has a version: it is in the key space, its value empty
        assertEquals(List.of(KeySpace.single(new KeyRange(s(0), s(5)))), p.sparse().parts());
        // a handful of delta layers: not worth a scan's image; L0 layers do not count for dense parts either
        CreateImageLayersResult few = ilc.createImageLayers(p, ImageLayerCreationMode.TRY, null).block(T);
        assertEquals(List.of(), few.created());

        for (int i = 5; i < 17; i++) {
            putAndFlush(i, value(i, 1));
        }
        Partitioning p2 = ilc.repartition(ilc.partitionLsn(), CFG.compactionTargetSize(), true).block(T);
        CreateImageLayersResult r = ilc.createImageLayers(p2, ImageLayerCreationMode.TRY, null).block(T);
        assertEquals(1, r.created().size(), r.created().toString());
        PersistentLayerDesc image = r.created().get(0);
        // the skipped dense parts moved the start on: the image begins after them and ends at Key.MAX
        Key denseEnd = p2.dense().parts().get(p2.dense().parts().size() - 1).end().orElseThrow();
        assertEquals(new KeyRange(denseEnd, Key.MAX), image.keyRange());
        assertSamePages(liveSparse(), imageContents(t, image), "the metadata image leaves the tombstone out");

        // reads over the whole AUX range: present keys exact, the deleted and never-written ones absent
        AtomicInteger deltas = new AtomicInteger();
        assertSamePages(liveSparse(), read(t, KeySpace.single(AUX), p2.lsn(), deltas), "sparse reads");
        assertEquals(0, deltas.get(), "sparse reads at the image LSN visit no delta layer");
    }

    @Test
    void forceImagesTheMetadataWhateverTheDeltas() {
        putAndFlush(3, value(3, 1));
        putAndFlush(4, value(4, 1));
        putAndFlush(3, value(3, 2));
        putAndFlush(4, new byte[0]);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Partitioning p = ilc.repartition(ilc.partitionLsn(), CFG.compactionTargetSize(), false).block(T);
        CreateImageLayersResult r = ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T);
        // two dense parts (23 keys) and the metadata
        assertEquals(3, r.created().size());
        PersistentLayerDesc meta = r.created().get(2);
        assertTrue(meta.keyRange().contains(s(3)));
        assertSamePages(liveSparse(), imageContents(t, meta), "metadata image");
        assertSamePages(w.pagesAt(w.lsn(100)), imageContents(t, r.created().subList(0, 2)), "dense images");
        assertEquals(List.of(s(3)), List.copyOf(read(t, KeySpace.single(AUX), p.lsn(), new AtomicInteger())
                .keySet()));
    }

    @Test
    void onlyTombstonesMakeNoMetadataImage() {
        putAndFlush(2, value(2, 1));
        putAndFlush(2, new byte[0]);
        ImageLayerCreation ilc = new ImageLayerCreation(t, CFG);
        Partitioning p = ilc.repartition(ilc.partitionLsn(), CFG.compactionTargetSize(), false).block(T);
        assertEquals(1, p.sparse().parts().size());
        CreateImageLayersResult r = ilc.createImageLayers(p, ImageLayerCreationMode.FORCE, null).block(T);
        // the metadata part is empty: the dense images alone, the last dense one not stretched over it
        assertEquals(2, r.created().size());
        assertEquals(p.dense().parts().get(1).end().orElseThrow(), r.created().get(1).keyRange().end());
        // without an image over it the tombstone itself is what a read finds: an empty value
        TreeMap<Key, byte[]> pages = read(t, KeySpace.single(AUX), p.lsn(), new AtomicInteger());
        assertEquals(List.of(s(2)), List.copyOf(pages.keySet()));
        assertEquals(0, pages.get(s(2)).length);
    }
}
