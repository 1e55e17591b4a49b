package io.strata.examples.layermap;

import static io.strata.examples.layermap.LayerMapFixture.imageName;
import static io.strata.examples.layermap.LayerMapFixture.key;
import static io.strata.examples.layermap.LayerMapFixture.l0Name;
import static io.strata.examples.layermap.LayerMapFixture.l1Name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.examples.layermap.LayerMapInfo.HistoricLayerInfo;
import io.strata.examples.layermap.LayerMapInfo.InMemoryLayerInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LayerMapInfo} of a real timeline with known layers, its JSON, and how it follows compaction. */
class LayerMapInfoTest {
    @TempDir
    Path dir;

    @Test
    void describesEveryLayerOfTheTimeline() {
        try (LayerMapFixture f = new LayerMapFixture(dir)) {
            LayerMapInfo info = f.info();
            assertEquals(LayerMapFixture.TENANT.toString(), info.tenantId());
            assertEquals(LayerMapFixture.TIMELINE.toString(), info.timelineId());
            assertEquals(LayerMapFixture.END, info.lastRecordLsn());
            assertEquals(Lsn.of(0x5F), info.diskConsistentLsn(), "end (inclusive) of the highest L0");
            assertEquals(LayerMapFixture.GC_CUTOFF, info.appliedGcCutoffLsn());

            Map<String, HistoricLayerInfo> byName = info.historicLayers().stream()
                    .collect(Collectors.toMap(HistoricLayerInfo::layerFileName, Function.identity()));
            assertEquals(Set.of(imageName(0, 8, 0x10), imageName(0, 4, 0x30), l1Name(0, 4, 0x10, 0x30),
                    l1Name(4, 8, 0x10, 0x30), l0Name(0x30, 0x40), l0Name(0x40, 0x50), l0Name(0x50, 0x60)),
                    byName.keySet());
            assertEquals(2, info.imageCount());
            assertEquals(2, info.l1Count());
            assertEquals(3, info.l0Count());

            HistoricLayerInfo image = byName.get(imageName(0, 4, 0x30));
            assertFalse(image.delta());
            assertFalse(image.l0());
            assertEquals(Lsn.of(0x30), image.lsnStart());
            assertEquals(Lsn.of(0x31), image.lsnEnd(), "an image at x covers [x, x+1)");
            assertEquals(key(0), image.keyStart());
            assertEquals(key(4), image.keyEnd());
            HistoricLayerInfo l0 = byName.get(l0Name(0x40, 0x50));
            assertTrue(l0.delta() && l0.l0());
            assertEquals(Key.MIN, l0.keyStart());
            assertEquals(Key.MAX, l0.keyEnd());

            // sizes are the files' (index) sizes
            for (PersistentLayerDesc d : f.timeline.layers().map().historicLayers()) {
                assertEquals(d.fileSize(), byName.get(d.name().toString()).layerFileSize(), d.name().toString());
                assertTrue(d.fileSize() > 0);
            }
            // only the L1 delta under the newer image of [k0, k4) is out of every read's reach
            assertEquals(List.of(l1Name(0, 4, 0x10, 0x30)), info.historicLayers().stream()
                    .filter(h -> !h.visible()).map(HistoricLayerInfo::layerFileName).toList());

            assertEquals(List.of(new InMemoryLayerInfo(false, Lsn.of(0x60), Lsn.of(0x70)),
                    new InMemoryLayerInfo(true, Lsn.of(0x70), Lsn.of(0x79))), info.inMemoryLayers(),
                    "frozen then open; the open one ends above the last record LSN");

            // bottom-up order
            List<Lsn> starts = info.historicLayers().stream().map(HistoricLayerInfo::lsnStart).toList();
            assertEquals(starts.stream().sorted().toList(), starts);
        }
    }

    @Test
    void jsonHasNeonsFieldsAndParsesBack() throws Exception {
        try (LayerMapFixture f = new LayerMapFixture(dir)) {
            LayerMapInfo info = f.info();
            String json = info.toJson();
            JsonNode root = new ObjectMapper().readTree(json);
            assertEquals("0/78", root.get("last_record_lsn").asText());
            assertEquals("0/20", root.get("applied_gc_cutoff_lsn").asText());
            assertEquals("Frozen", root.get("in_memory_layers").get(0).get("kind").asText());
            assertEquals("0/60", root.get("in_memory_layers").get(0).get("lsn_start").asText());
            assertEquals("Open", root.get("in_memory_layers").get(1).get("kind").asText());
            JsonNode first = null;
            for (JsonNode h : root.get("historic_layers")) {
                if (h.get("layer_file_name").asText().equals(imageName(0, 8, 0x10))) {
                    first = h;
                }
            }
            assertEquals("Image", first.get("kind").asText());
            assertEquals(key(0).toString(), first.get("key_start").asText());
            assertEquals(36, first.get("key_end").asText().length());
            assertEquals("0/10", first.get("lsn_start").asText());
            assertEquals("0/11", first.get("lsn_end").asText());
            assertFalse(first.get("l0").asBoolean());
            assertTrue(first.get("visible").asBoolean());
            assertTrue(first.get("layer_file_size").asLong() > 0);
            for (JsonNode h : root.get("historic_layers")) {
                assertEquals(Set.of("kind", "l0", "layer_file_name", "layer_file_size", "key_start", "key_end",
                        "lsn_start", "lsn_end", "visible"), Set.copyOf(iterator(h)));
            }
            assertEquals(info, LayerMapInfo.fromJson(json));
        }
    }

    @Test
    void followsL0Compaction() {
        try (LayerMapFixture f = new LayerMapFixture(dir)) {
            var result = f.compactL0();
            LayerMapInfo after = f.info();
            assertEquals(0, after.l0Count());
            assertEquals(2, after.imageCount());
            assertEquals(2 + result.created().size(), after.l1Count());
            for (PersistentLayerDesc created : result.created()) {
                assertTrue(after.historicLayers().stream()
                        .anyMatch(h -> h.layerFileName().equals(created.name().toString()) && h.delta() && !h.l0()));
            }
        }
    }

    @Test
    void malformedJsonIsRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerMapInfo.fromJson(
                "{\"tenant_id\":\"t\",\"timeline_id\":\"l\",\"last_record_lsn\":\"0/1\",\"disk_consistent_lsn\":\"0/1\","
                        + "\"applied_gc_cutoff_lsn\":\"0/0\",\"in_memory_layers\":[],\"historic_layers\":["
                        + "{\"kind\":\"Delta\",\"layer_file_name\":\"x\",\"key_start\":\"00\",\"key_end\":\"00\","
                        + "\"lsn_start\":\"0/1\",\"lsn_end\":\"0/2\"}]}"));
        assertTrue(e.getMessage().contains("historic_layers[0] (x)") && e.getMessage().contains("key"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerMapInfo.fromJson("{\"tenant_id\":\"t\"}"));
        assertTrue(e.getMessage().contains("in_memory_layers"), e.getMessage());
    }

    private static List<String> iterator(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
