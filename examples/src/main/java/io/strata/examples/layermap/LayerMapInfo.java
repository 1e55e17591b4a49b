package io.strata.examples.layermap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.InMemoryLayerDesc;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.layermap.LayerVisibilityHint;
import io.strata.engine.timeline.Timeline;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One picture's worth of a timeline's layer map, in the JSON of Neon's {@code GET
 * /v1/tenant/:tenant/timeline/:timeline/layer} ({@code LayerMapInfo}) plus the timeline's LSNs:
 *
 * <pre>{@code
 * {"tenant_id","timeline_id","last_record_lsn","disk_consistent_lsn","applied_gc_cutoff_lsn",
 *  "in_memory_layers":[{"kind":"Open"|"Frozen","lsn_start":"X/X","lsn_end":"X/X"}],
 *  "historic_layers":[{"kind":"Delta"|"Image","l0":bool,"layer_file_name","layer_file_size":n,
 *     "key_start":hex36,"key_end":hex36,"lsn_start":"X/X","lsn_end":"X/X","visible":bool}]}
 * }</pre>
 *
 * <p>An image layer at LSN x has {@code lsn_start} x and {@code lsn_end} x+1, as its layer name says. Neon's open
 * layer has no end; here it ends just above the last record LSN, so it can be drawn with the height it holds.
 *
 * @param inMemoryLayers frozen layers oldest first, then the open layer
 * @param historicLayers by LSN start, then key start, then name
 */
public record LayerMapInfo(String tenantId, String timelineId, Lsn lastRecordLsn, Lsn diskConsistentLsn,
                           Lsn appliedGcCutoffLsn, List<InMemoryLayerInfo> inMemoryLayers,
                           List<HistoricLayerInfo> historicLayers) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Orders historic layers bottom-up, then left to right, so the JSON and the pictures are stable. */
    static final Comparator<HistoricLayerInfo> ORDER = Comparator.comparing(HistoricLayerInfo::lsnStart)
            .thenComparing(HistoricLayerInfo::keyStart).thenComparing(HistoricLayerInfo::layerFileName);

    public LayerMapInfo {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(timelineId, "timelineId");
        Objects.requireNonNull(lastRecordLsn, "lastRecordLsn");
        Objects.requireNonNull(diskConsistentLsn, "diskConsistentLsn");
        Objects.requireNonNull(appliedGcCutoffLsn, "appliedGcCutoffLsn");
        inMemoryLayers = List.copyOf(inMemoryLayers);
        historicLayers = historicLayers.stream().sorted(ORDER).toList();
    }

    /** An open or frozen in-memory layer covering LSNs {@code [lsnStart, lsnEnd)}. */
    public record InMemoryLayerInfo(boolean open, Lsn lsnStart, Lsn lsnEnd) {
        public InMemoryLayerInfo {
            Objects.requireNonNull(lsnStart, "lsnStart");
            Objects.requireNonNull(lsnEnd, "lsnEnd");
        }

        public String kind() {
            return open ? "Open" : "Frozen";
        }
    }

    /**
     * An image or delta layer file.
     *
     * @param visible whether a read at one of the timeline's read points can reach it (Neon's visibility hint)
     */
    public record HistoricLayerInfo(boolean delta, boolean l0, String layerFileName, long layerFileSize,
                                    Key keyStart, Key keyEnd, Lsn lsnStart, Lsn lsnEnd, boolean visible) {
        public HistoricLayerInfo {
            Objects.requireNonNull(layerFileName, "layerFileName");
            Objects.requireNonNull(keyStart, "keyStart");
            Objects.requireNonNull(keyEnd, "keyEnd");
            Objects.requireNonNull(lsnStart, "lsnStart");
            Objects.requireNonNull(lsnEnd, "lsnEnd");
            if (l0 && !delta) {
                throw new IllegalArgumentException("image layer " + layerFileName + " cannot be L0");
            }
        }

        public String kind() {
            return delta ? "Delta" : "Image";
        }

        static HistoricLayerInfo of(PersistentLayerDesc desc, boolean visible) {
            KeyRange keys = desc.keyRange();
            return new HistoricLayerInfo(desc.isDelta(), desc.isL0(), desc.name().toString(), desc.fileSize(),
                    keys.start(), keys.end(), desc.lsnStart(), desc.lsnEnd(), visible);
        }
    }

    /**
     * The layers of {@code timeline} as of its current snapshot (one consistent version of the layer map), with
     * visibility as of its last {@link Timeline#updateLayerVisibility()}. Cheap: reads no file.
     */
    public static LayerMapInfo of(TenantId tenant, Timeline timeline) {
        Objects.requireNonNull(tenant, "tenant");
        LayerMap map = timeline.layers().map();
        Lsn last = timeline.lastRecordLsn();
        List<HistoricLayerInfo> historic = new ArrayList<>();
        for (PersistentLayerDesc desc : map.historicLayers()) {
            historic.add(HistoricLayerInfo.of(desc,
                    timeline.layerVisibility(desc.name()) == LayerVisibilityHint.VISIBLE));
        }
        List<InMemoryLayerInfo> inMemory = new ArrayList<>();
        for (InMemoryLayerDesc frozen : map.frozenLayers()) {
            inMemory.add(new InMemoryLayerInfo(false, frozen.lsnStart(), frozen.lsnEnd()));
        }
        map.openLayer().ifPresent(open -> {
            Lsn end = last.add(1).compareTo(open.lsnStart()) > 0 ? last.add(1) : open.lsnStart().add(1);
            inMemory.add(new InMemoryLayerInfo(true, open.lsnStart(), end));
        });
        return new LayerMapInfo(tenant.toString(), timeline.id().toString(), last, timeline.diskConsistentLsn(),
                timeline.appliedGcCutoffLsn(), inMemory, historic);
    }

    public long imageCount() {
        return historicLayers.stream().filter(l -> !l.delta()).count();
    }

    public long l0Count() {
        return historicLayers.stream().filter(HistoricLayerInfo::l0).count();
    }

    /** Delta layers that are not L0. */
    public long l1Count() {
        return historicLayers.stream().filter(l -> l.delta() && !l.l0()).count();
    }

    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("tenant_id", tenantId);
        root.put("timeline_id", timelineId);
        root.put("last_record_lsn", lastRecordLsn.toString());
        root.put("disk_consistent_lsn", diskConsistentLsn.toString());
        root.put("applied_gc_cutoff_lsn", appliedGcCutoffLsn.toString());
        ArrayNode mem = root.putArray("in_memory_layers");
        for (InMemoryLayerInfo l : inMemoryLayers) {
            mem.addObject().put("kind", l.kind()).put("lsn_start", l.lsnStart().toString())
                    .put("lsn_end", l.lsnEnd().toString());
        }
        ArrayNode hist = root.putArray("historic_layers");
        for (HistoricLayerInfo l : historicLayers) {
            hist.addObject().put("kind", l.kind()).put("l0", l.l0()).put("layer_file_name", l.layerFileName())
                    .put("layer_file_size", l.layerFileSize()).put("key_start", l.keyStart().toString())
                    .put("key_end", l.keyEnd().toString()).put("lsn_start", l.lsnStart().toString())
                    .put("lsn_end", l.lsnEnd().toString()).put("visible", l.visible());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the layer map of " + timelineId + " as JSON", e);
        }
    }

    /**
     * Parses {@link #toJson()}'s form (for instance a saved response of the service).
     *
     * @throws IllegalArgumentException naming the field and the layer that is missing or malformed
     */
    public static LayerMapInfo fromJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("layer map JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("layer map JSON: expected an object");
        }
        List<InMemoryLayerInfo> mem = new ArrayList<>();
        JsonNode memNodes = array(root, "in_memory_layers");
        for (int i = 0; i < memNodes.size(); i++) {
            JsonNode n = memNodes.get(i);
            String where = "in_memory_layers[" + i + "]";
            String kind = text(n, "kind", where);
            if (!kind.equals("Open") && !kind.equals("Frozen")) {
                throw new IllegalArgumentException("layer map JSON: " + where + ".kind is '" + kind
                        + "', expected Open or Frozen");
            }
            mem.add(new InMemoryLayerInfo(kind.equals("Open"), lsn(n, "lsn_start", where), lsn(n, "lsn_end", where)));
        }
        List<HistoricLayerInfo> hist = new ArrayList<>();
        JsonNode histNodes = array(root, "historic_layers");
        for (int i = 0; i < histNodes.size(); i++) {
            JsonNode n = histNodes.get(i);
            String where = "historic_layers[" + i + "]";
            String kind = text(n, "kind", where);
            if (!kind.equals("Delta") && !kind.equals("Image")) {
                throw new IllegalArgumentException("layer map JSON: " + where + ".kind is '" + kind
                        + "', expected Delta or Image");
            }
            String name = text(n, "layer_file_name", where);
            where = where + " (" + name + ")";
            try {
                hist.add(new HistoricLayerInfo(kind.equals("Delta"), n.path("l0").asBoolean(false), name,
                        n.path("layer_file_size").asLong(0), Key.fromHex(text(n, "key_start", where)),
                        Key.fromHex(text(n, "key_end", where)), lsn(n, "lsn_start", where), lsn(n, "lsn_end", where),
                        n.path("visible").asBoolean(true)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer map JSON: " + where + ": " + e.getMessage(), e);
            }
        }
        String top = "the layer map";
        return new LayerMapInfo(text(root, "tenant_id", top), text(root, "timeline_id", top),
                lsn(root, "last_record_lsn", top), lsn(root, "disk_consistent_lsn", top),
                lsn(root, "applied_gc_cutoff_lsn", top), mem, hist);
    }

    private static JsonNode array(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isArray()) {
            throw new IllegalArgumentException("layer map JSON: '" + field + "' is missing or not an array");
        }
        return n;
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("layer map JSON: " + where + " lacks the text field '" + field + "'");
        }
        return v.asText();
    }

    private static Lsn lsn(JsonNode n, String field, String where) {
        try {
            return Lsn.parse(text(n, field, where));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer map JSON: " + where + "." + field + ": " + e.getMessage(), e);
        }
    }
}
