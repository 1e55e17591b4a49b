package io.strata.engine.compaction;

import static io.strata.engine.compaction.CompactionTestKit.getKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.LayerWriteContext;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.TestTimelineBuilder;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * The discard rule (Neon's {@code discard_key}) on a layer map, and on a real timeline across a restart: a layer
 * identical to one of the same generation is not written over it, an L0-shaped one is not written at all, and
 * one of another generation is written under its own file name and can replace the old one.
 */
class BatchLayerWriterTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final TenantId TENANT = TenantId.parse("c0ffee00c0ffee00c0ffee00c0ffee00");
    private static final TimelineId TIMELINE = TimelineId.parse("0ddba11c0ddba11c0ddba11c0ddba11c");

    @TempDir
    Path dir;

    @Test
    void discardKeyOnALayerMap() {
        DeltaLayerName delta = new DeltaLayerName(new KeyRange(getKey(0), getKey(5)), Lsn.of(0x10), Lsn.of(0x20));
        ImageLayerName image = new ImageLayerName(new KeyRange(getKey(0), getKey(5)), Lsn.of(0x20));
        var update = LayerMap.EMPTY.batchUpdate();
        update.insertHistoric(new PersistentLayerDesc(delta, 8192));
        update.insertHistoric(new PersistentLayerDesc(image, 8192));
        LayerMap map = update.flush();
        Generation g1 = Generation.of(1);
        Generation g2 = Generation.of(2);
        Map<LayerName, Generation> gens = Map.of(delta, g1, image, g2);

        assertTrue(BatchLayerWriter.discardKey(delta, map, n -> Optional.ofNullable(gens.get(n)), g1));
        assertFalse(BatchLayerWriter.discardKey(delta, map, n -> Optional.ofNullable(gens.get(n)), g2));
        assertTrue(BatchLayerWriter.discardKey(image, map, n -> Optional.ofNullable(gens.get(n)), g2));
        assertFalse(BatchLayerWriter.discardKey(image, map, n -> Optional.ofNullable(gens.get(n)), g1));
        // same key range, other LSN range; and a different key range: not in the map
        assertFalse(BatchLayerWriter.discardKey(new DeltaLayerName(delta.keyRange(), Lsn.of(0x10), Lsn.of(0x21)),
                map, n -> Optional.of(g1), g1));
        assertFalse(BatchLayerWriter.discardKey(new ImageLayerName(new KeyRange(getKey(0), getKey(6)),
                Lsn.of(0x20)), map, n -> Optional.of(g2), g2));
        // L0-shaped: always
        assertTrue(BatchLayerWriter.discardKey(new DeltaLayerName(KeyRange.FULL, Lsn.of(0x30), Lsn.of(0x40)),
                map, n -> Optional.empty(), g1));
        // a key the map cannot hold (field2 outside the compact form) is not in it
        Key odd = new Key(0, 0x12345678, 0, 0, 0, 0);
        assertFalse(BatchLayerWriter.discardKey(new DeltaLayerName(new KeyRange(odd, odd.next()), Lsn.of(0x10),
                Lsn.of(0x20)), map, n -> Optional.of(g1), g1));
    }

    private static EngineConfig config() {
        return EngineConfig.defaults().withWriteBuffers(64 * 1024, 16).withBlockCacheBlocks(256);
    }

    private static byte[] page(int i) {
        return ("page " + i).getBytes(StandardCharsets.UTF_8);
    }

    private static List<Path> tempFiles(Path timelineDir) throws Exception {
        try (Stream<Path> s = Files.list(timelineDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(LayerName.TEMP_FILE_SUFFIX)).toList();
        }
    }

    @Test
    void discardKeyOnATimelineAcrossARestart() throws Exception {
        List<LayerEntry> deltas = new ArrayList<>();
        TreeMap<Key, byte[]> pages = new TreeMap<>();
        for (int i = 0; i < 5; i++) {
            deltas.add(new LayerEntry(getKey(i), Lsn.of(0x10 + i), new Value.Image(page(i))));
            pages.put(getKey(i), page(100 + i));
        }
        DeltaLayerName deltaName = new DeltaLayerName(new KeyRange(getKey(0), getKey(5)), Lsn.of(0x10),
                Lsn.of(0x20));
        ImageLayerName imageName = new ImageLayerName(new KeyRange(getKey(0), getKey(5)), Lsn.of(0x20));

        StrataEngine engine = StrataEngine.open(dir, config()).block(T);
        Path deltaFile;
        long deltaSize;
        try {
            Tenant tenant = engine.tenantOrCreate(TENANT).block(T);
            Timeline timeline = TestTimelineBuilder.create(tenant, TIMELINE, Lsn.of(0x10))
                    .delta(deltaName.keyRange(), deltaName.lsnStart(), deltaName.lsnEnd(), deltas)
                    .image(imageName.keyRange(), imageName.lsn(), pages)
                    .build().block(T);
            LayerWriteContext ctx = timeline.writeContext();
            deltaFile = ctx.finalPath(deltaName);
            deltaSize = Files.size(deltaFile);
            var discard = BatchLayerWriter.discardKey(timeline);

            // The same delta layer, this generation: discarded, the file readers hold is left as it is.
            SplitDeltaLayerWriter sameDelta = new SplitDeltaLayerWriter(ctx, Lsn.of(0x10), Lsn.of(0x20), 1 << 30);
            putAll(sameDelta, deltas);
            List<BatchWriterResult> r = sameDelta.finishWithDiscardFn(discard).block(T);
            assertEquals(List.of(new BatchWriterResult.Discarded(deltaName)), r);
            assertEquals(deltaSize, Files.size(deltaFile));

            // The same image layer: discarded too.
            SplitImageLayerWriter sameImage = new SplitImageLayerWriter(ctx, getKey(0), Lsn.of(0x20), 1 << 30,
                    ImageCompressionAlgorithm.DISABLED);
            Flux.fromIterable(pages.entrySet()).concatMap(e -> sameImage.putImage(e.getKey(), e.getValue()), 1)
                    .then().block(T);
            assertEquals(List.of(new BatchWriterResult.Discarded(imageName)),
                    sameImage.finishWithDiscardFn(getKey(5), discard).block(T));

            // Another key range: produced.
            SplitDeltaLayerWriter other = new SplitDeltaLayerWriter(ctx, Lsn.of(0x10), Lsn.of(0x20), 1 << 30);
            putAll(other, deltas.subList(0, 4));
            WrittenLayer<?> produced = assertInstanceOf(BatchWriterResult.Produced.class,
                    other.finishWithDiscardFn(discard).block(T).get(0)).layer();
            assertEquals(new DeltaLayerName(new KeyRange(getKey(0), getKey(4)), Lsn.of(0x10), Lsn.of(0x20)),
                    produced.name());
            Files.delete(produced.path()); // not handed to the timeline

            // L0-shaped: discarded, its temporary file removed.
            BatchLayerWriter l0 = new BatchLayerWriter(ctx);
            DeltaLayerWriter w = DeltaLayerWriter.createL0(ctx, Lsn.of(0x20), Lsn.of(0x30)).block(T);
            w.putValue(getKey(1), Lsn.of(0x21), new Value.Image(page(1))).block(T);
            l0.addUnfinishedDeltaWriter(w, KeyRange.FULL, Lsn.of(0x20), Lsn.of(0x30));
            assertEquals(List.of(new BatchWriterResult.Discarded(new DeltaLayerName(KeyRange.FULL, Lsn.of(0x20),
                    Lsn.of(0x30)))), l0.finishWithDiscardFn(discard).block(T));
            assertEquals(List.of(), tempFiles(timeline.directory()));
        } finally {
            engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        }

        // A restart takes the next generation: the same layer is now written, under another file name, and
        // replaces the old one in the timeline.
        StrataEngine reopened = StrataEngine.open(dir, config()).block(T);
        try {
            Timeline timeline = reopened.tenant(TENANT).orElseThrow().timeline(TIMELINE).orElseThrow();
            IndexPart.LayerFileMetadata old = timeline.indexPart().layerMetadata().get(deltaName);
            assertNotEquals(timeline.writeContext().generation(), old.generation());
            SplitDeltaLayerWriter again = new SplitDeltaLayerWriter(timeline.writeContext(), Lsn.of(0x10),
                    Lsn.of(0x20), 1 << 30);
            putAll(again, deltas);
            WrittenLayer<?> rewritten = assertInstanceOf(BatchWriterResult.Produced.class,
                    again.finishWithDiscardFn(BatchLayerWriter.discardKey(timeline)).block(T).get(0)).layer();
            assertEquals(deltaName, rewritten.name());
            assertNotEquals(deltaFile, rewritten.path());
            assertTrue(Files.exists(deltaFile), "the old generation's file is untouched");

            PersistentLayerDesc oldDesc = timeline.layers().map().historicLayers().stream()
                    .filter(d -> d.name().equals(deltaName)).findFirst().orElseThrow();
            timeline.replaceHistoricLayers(List.of(rewritten), List.of(oldDesc)).block(T);
            assertEquals(timeline.writeContext().generation(),
                    timeline.indexPart().layerMetadata().get(deltaName).generation());
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(page(i), timeline.get(getKey(i), Lsn.of(0x1f)).block(T));
                assertArrayEquals(page(100 + i), timeline.get(getKey(i), Lsn.of(0x20)).block(T));
            }
            // and now the rewritten layer is of this generation: writing it once more would be discarded
            assertTrue(BatchLayerWriter.discardKey(timeline).test(deltaName));
        } finally {
            reopened.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        }
    }

    private static void putAll(SplitDeltaLayerWriter w, List<LayerEntry> entries) {
        Flux.fromIterable(entries).concatMap(e -> w.putValue(e.key(), e.lsn(), e.value()), 1).then().block(T);
    }

    @Test
    void aWriterWhoseRangeDoesNotMatchIsRefused() throws Exception {
        StrataEngine engine = StrataEngine.open(dir, config()).block(T);
        try {
            Tenant tenant = engine.tenantOrCreate(TENANT).block(T);
            Timeline timeline = tenant.createTimeline(TIMELINE, Lsn.of(0x10)).block(T);
            LayerWriteContext ctx = timeline.writeContext();
            DeltaLayerWriter w = DeltaLayerWriter.create(ctx, getKey(3), Lsn.of(0x10), Lsn.of(0x20)).block(T);
            BatchLayerWriter batch = new BatchLayerWriter(ctx);
            assertThrows(IllegalArgumentException.class, () -> batch.addUnfinishedDeltaWriter(w,
                    new KeyRange(getKey(2), getKey(5)), Lsn.of(0x10), Lsn.of(0x20)));
            assertThrows(IllegalArgumentException.class, () -> batch.addUnfinishedDeltaWriter(w,
                    new KeyRange(getKey(3), getKey(5)), Lsn.of(0x10), Lsn.of(0x21)));
            w.abort().block(T);
            assertEquals(List.of(), batch.finish().block(T));
            assertThrows(IllegalStateException.class, () -> batch.finish().block(T));
            assertEquals(List.of(), tempFiles(timeline.directory()));
        } finally {
            engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(T);
        }
    }
}
