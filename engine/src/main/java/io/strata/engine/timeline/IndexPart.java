package io.strata.engine.timeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.ShardIndex;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.LayerName;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A timeline's durable index, {@code index_part.json} (Neon's {@code IndexPart}): which layer files make up the
 * timeline, with each file's size and the generation that wrote it, how far the timeline is durable
 * ({@code disk_consistent_lsn}), and its metadata (ancestor and branch LSN, applied GC cutoff, initdb LSN), plus
 * the gc-compaction state. A layer file not named here is not part of the timeline (restart removes it). Immutable;
 * the {@code with...} methods return changed copies.
 *
 * <p>The JSON is Neon's, restricted to the fields that apply to Strata: {@code version}, {@code layer_metadata}
 * ({@code file_size}, {@code generation} left out for none, {@code shard} left out for unsharded),
 * {@code disk_consistent_lsn}, {@code metadata_bytes}
 * (Neon's name for the metadata object; {@code metadata} is accepted when reading, as Neon does) with
 * {@code disk_consistent_lsn}, {@code prev_record_lsn} (always null: Strata does not see WAL record boundaries),
 * {@code ancestor_timeline}, {@code ancestor_lsn}, {@code latest_gc_cutoff_lsn}, {@code initdb_lsn}, and
 * {@code gc_compaction} when set. Fields Strata does not know (Neon's {@code pg_version}, {@code lineage}, ...) are
 * ignored when reading, so Neon's own index files parse.
 *
 * @param version           Neon's informative format version ({@link #LATEST_VERSION} when written by Strata)
 * @param layerMetadata     the layers, by name (sorted, unmodifiable)
 * @param diskConsistentLsn Neon's copy of {@code metadata.disk_consistent_lsn}, kept equal to it
 * @param metadata          the timeline metadata
 * @param gcCompaction      the garbage-collecting compaction's progress, if it ever ran
 */
public record IndexPart(int version, SortedMap<LayerName, LayerFileMetadata> layerMetadata, Lsn diskConsistentLsn,
                        TimelineMetadata metadata, Optional<GcCompactionState> gcCompaction) {
    /** The file name in a timeline directory. */
    public static final String FILE_NAME = "index_part.json";
    /** Neon's {@code IndexPart::LATEST_VERSION} whose fields Strata writes. */
    public static final int LATEST_VERSION = 15;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public IndexPart {
        Objects.requireNonNull(layerMetadata, "layerMetadata");
        Objects.requireNonNull(diskConsistentLsn, "diskConsistentLsn");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(gcCompaction, "gcCompaction");
        layerMetadata = Collections.unmodifiableSortedMap(new TreeMap<>(layerMetadata));
    }

    /**
     * What Neon keeps per layer file.
     *
     * @param shard the shard that wrote the file ({@code shard} in the JSON, left out for unsharded): a layer of
     *              another shard count was written before a shard split (an ancestral layer)
     */
    public record LayerFileMetadata(long fileSize, Generation generation, ShardIndex shard) {
        public LayerFileMetadata {
            Objects.requireNonNull(generation, "generation");
            Objects.requireNonNull(shard, "shard");
            if (fileSize < 0) {
                throw new IllegalArgumentException("negative file size " + fileSize);
            }
        }

        /** A layer written by an unsharded tenant. */
        public LayerFileMetadata(long fileSize, Generation generation) {
            this(fileSize, generation, ShardIndex.UNSHARDED);
        }
    }

    /**
     * Neon's {@code TimelineMetadata} body, without {@code pg_version}.
     *
     * @param diskConsistentLsn every record at or below it is in the layer files the index names
     * @param prevRecordLsn     Neon's start of the last record when fully flushed; Strata writes none
     * @param ancestorTimeline  the timeline this one branched from
     * @param ancestorLsn       the branch point ({@code 0/0} without an ancestor)
     * @param latestGcCutoffLsn the applied GC cutoff: reads below it are refused
     * @param initdbLsn         where the timeline started
     */
    public record TimelineMetadata(Lsn diskConsistentLsn, Optional<Lsn> prevRecordLsn,
                                   Optional<TimelineId> ancestorTimeline, Lsn ancestorLsn, Lsn latestGcCutoffLsn,
                                   Lsn initdbLsn) {
        public TimelineMetadata {
            Objects.requireNonNull(diskConsistentLsn, "diskConsistentLsn");
            Objects.requireNonNull(prevRecordLsn, "prevRecordLsn");
            Objects.requireNonNull(ancestorTimeline, "ancestorTimeline");
            Objects.requireNonNull(ancestorLsn, "ancestorLsn");
            Objects.requireNonNull(latestGcCutoffLsn, "latestGcCutoffLsn");
            Objects.requireNonNull(initdbLsn, "initdbLsn");
        }

        /** A new timeline's metadata: durable up to {@code startLsn}, no ancestor, no GC yet. */
        public static TimelineMetadata initial(Lsn startLsn) {
            return new TimelineMetadata(startLsn, Optional.empty(), Optional.empty(), Lsn.INVALID, Lsn.INVALID,
                    startLsn);
        }

        /** A branch's metadata: starts at {@code ancestorLsn} of {@code ancestor}. */
        public static TimelineMetadata branch(TimelineId ancestor, Lsn ancestorLsn, Lsn latestGcCutoffLsn,
                                              Lsn initdbLsn) {
            return new TimelineMetadata(ancestorLsn, Optional.empty(), Optional.of(ancestor), ancestorLsn,
                    latestGcCutoffLsn, initdbLsn);
        }

        public TimelineMetadata withDiskConsistentLsn(Lsn lsn) {
            return new TimelineMetadata(lsn, prevRecordLsn, ancestorTimeline, ancestorLsn, latestGcCutoffLsn,
                    initdbLsn);
        }

        public TimelineMetadata withLatestGcCutoffLsn(Lsn lsn) {
            return new TimelineMetadata(diskConsistentLsn, prevRecordLsn, ancestorTimeline, ancestorLsn, lsn,
                    initdbLsn);
        }
    }

    /** Neon's {@code GcCompactionState}: the upper bound of the last completed gc-compaction (the L2 LSN). */
    public record GcCompactionState(Lsn lastCompletedLsn) {
        public GcCompactionState {
            Objects.requireNonNull(lastCompletedLsn, "lastCompletedLsn");
        }
    }

    /** An index with no layers (Neon's {@code IndexPart::empty}). */
    public static IndexPart empty(TimelineMetadata metadata) {
        return new IndexPart(LATEST_VERSION, new TreeMap<>(), metadata.diskConsistentLsn(), metadata,
                Optional.empty());
    }

    /** The ancestor and branch point, if any. */
    public Optional<TimelineId> ancestorTimeline() {
        return metadata.ancestorTimeline();
    }

    /** This index with layers added (replacing same-named entries) and removed. */
    public IndexPart withLayers(Map<LayerName, LayerFileMetadata> added, Collection<LayerName> removed) {
        TreeMap<LayerName, LayerFileMetadata> m = new TreeMap<>(layerMetadata);
        for (LayerName r : removed) {
            if (m.remove(r) == null) {
                throw new IllegalArgumentException("layer " + r + " is not in the index");
            }
        }
        m.putAll(added);
        return new IndexPart(LATEST_VERSION, m, diskConsistentLsn, metadata, gcCompaction);
    }

    /** This index durable up to {@code lsn} (both copies of the disk-consistent LSN). */
    public IndexPart withDiskConsistentLsn(Lsn lsn) {
        return new IndexPart(LATEST_VERSION, layerMetadata, lsn, metadata.withDiskConsistentLsn(lsn), gcCompaction);
    }

    public IndexPart withMetadata(TimelineMetadata m) {
        return new IndexPart(LATEST_VERSION, layerMetadata, m.diskConsistentLsn(), m, gcCompaction);
    }

    public IndexPart withGcCompaction(Optional<GcCompactionState> state) {
        return new IndexPart(LATEST_VERSION, layerMetadata, diskConsistentLsn, metadata, state);
    }

    /** The JSON form, one line (serde_json's compact form). */
    public byte[] toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", version);
        ObjectNode layers = root.putObject("layer_metadata");
        for (Map.Entry<LayerName, LayerFileMetadata> e : layerMetadata.entrySet()) {
            ObjectNode l = layers.putObject(e.getKey().toString());
            l.put("file_size", e.getValue().fileSize());
            if (!e.getValue().generation().isNone()) {
                l.put("generation", Integer.toUnsignedLong(e.getValue().generation().value()));
            }
            if (!e.getValue().shard().isUnsharded()) {
                l.put("shard", e.getValue().shard().toString());
            }
        }
        root.put("disk_consistent_lsn", diskConsistentLsn.toString());
        ObjectNode m = root.putObject("metadata_bytes");
        m.put("disk_consistent_lsn", metadata.diskConsistentLsn().toString());
        putOptional(m, "prev_record_lsn", metadata.prevRecordLsn().map(Lsn::toString));
        putOptional(m, "ancestor_timeline", metadata.ancestorTimeline().map(TimelineId::toString));
        m.put("ancestor_lsn", metadata.ancestorLsn().toString());
        m.put("latest_gc_cutoff_lsn", metadata.latestGcCutoffLsn().toString());
        m.put("initdb_lsn", metadata.initdbLsn().toString());
        gcCompaction.ifPresent(g -> root.putObject("gc_compaction")
                .put("last_completed_lsn", g.lastCompletedLsn().toString()));
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the index as JSON", e);
        }
    }

    private static void putOptional(ObjectNode node, String field, Optional<String> value) {
        if (value.isPresent()) {
            node.put(field, value.get());
        } else {
            node.putNull(field);
        }
    }

    /**
     * Parses an index (Neon's or Strata's; versions 7 and later, where the metadata is a JSON object).
     *
     * @param source names the file in errors
     * @throws IllegalArgumentException naming {@code source} and the field at fault
     */
    public static IndexPart fromJson(byte[] json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        int version = root.path("version").asInt(0);
        JsonNode layersNode = root.get("layer_metadata");
        if (layersNode == null || !layersNode.isObject()) {
            throw new IllegalArgumentException(source + ": missing object field layer_metadata");
        }
        TreeMap<LayerName, LayerFileMetadata> layers = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : layersNode.properties()) {
            LayerName name;
            try {
                name = LayerName.parse(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(source + ": layer_metadata: " + ex.getMessage(), ex);
            }
            checkLayerMapKeys(name, source, e.getKey());
            JsonNode l = e.getValue();
            String where = "layer_metadata." + e.getKey();
            long size = requiredLong(l, "file_size", source, where);
            Generation gen = Generation.none();
            JsonNode g = l.get("generation");
            if (g != null && !g.isNull()) {
                if (!g.canConvertToLong() || g.asLong() < 0 || g.asLong() > 0xFFFF_FFFFL) {
                    throw new IllegalArgumentException(source + ": " + where + ".generation: expected a u32, got "
                            + g);
                }
                gen = Generation.of((int) g.asLong());
            }
            ShardIndex shard = ShardIndex.UNSHARDED;
            JsonNode sh = l.get("shard");
            if (sh != null && !sh.isNull()) {
                try {
                    shard = ShardIndex.parse(sh.asText());
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(source + ": " + where + ".shard: " + ex.getMessage(), ex);
                }
            }
            if (layers.put(name, new LayerFileMetadata(size, gen, shard)) != null) {
                throw new IllegalArgumentException(source + ": layer " + name + " is listed twice");
            }
        }
        JsonNode meta = root.get("metadata_bytes");
        if (meta == null) {
            meta = root.get("metadata");
        }
        if (meta == null || !meta.isObject()) {
            throw new IllegalArgumentException(source + ": missing object field metadata_bytes (or metadata); "
                    + "indexes before Neon's version 7 keep it as bytes, which Strata does not read");
        }
        Lsn metaDcl = lsn(meta, "disk_consistent_lsn", source, "metadata");
        TimelineMetadata metadata = new TimelineMetadata(metaDcl,
                optionalLsn(meta, "prev_record_lsn", source, "metadata"),
                optionalTimeline(meta, "ancestor_timeline", source),
                lsnOr(meta, "ancestor_lsn", source, "metadata", Lsn.INVALID),
                lsnOr(meta, "latest_gc_cutoff_lsn", source, "metadata", Lsn.INVALID),
                lsnOr(meta, "initdb_lsn", source, "metadata", Lsn.INVALID));
        Lsn dcl = root.has("disk_consistent_lsn") ? lsn(root, "disk_consistent_lsn", source, "index") : metaDcl;
        Optional<GcCompactionState> gc = Optional.empty();
        JsonNode gcNode = root.get("gc_compaction");
        if (gcNode != null && !gcNode.isNull()) {
            gc = Optional.of(new GcCompactionState(lsn(gcNode, "last_completed_lsn", source, "gc_compaction")));
        }
        return new IndexPart(version, layers, dcl, metadata, gc);
    }

    /**
     * The layer map places layers by Neon's compact i128 form of their keys, which holds a field2 of at most 16 bits
     * (or one of two markers); Neon panics on other keys. Refused here, so an index naming such a layer fails to load
     * with the file and the layer named instead of deep inside the layer map.
     */
    private static void checkLayerMapKeys(LayerName name, String source, String text) {
        for (Key k : new Key[] {name.keyRange().start(), name.keyRange().end()}) {
            if (!k.isI128Representable()) {
                throw new IllegalArgumentException(source + ": layer_metadata: layer " + text + ": key " + k
                        + " does not fit the layer map's compact i128 form (field2 above 0xFFFF)");
            }
        }
    }

    private static long requiredLong(JsonNode node, String field, String source, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToLong() || v.asLong() < 0) {
            throw new IllegalArgumentException(source + ": " + where + "." + field + ": expected a non-negative "
                    + "integer, got " + v);
        }
        return v.asLong();
    }

    private static Lsn lsn(JsonNode node, String field, String source, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(source + ": " + where + "." + field + ": expected an LSN string, got "
                    + v);
        }
        try {
            return Lsn.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + where + "." + field + ": " + e.getMessage(), e);
        }
    }

    private static Lsn lsnOr(JsonNode node, String field, String source, String where, Lsn dflt) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? dflt : lsn(node, field, source, where);
    }

    private static Optional<Lsn> optionalLsn(JsonNode node, String field, String source, String where) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(lsn(node, field, source, where));
    }

    private static Optional<TimelineId> optionalTimeline(JsonNode node, String field, String source) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(TimelineId.parse(v.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": metadata." + field + ": " + e.getMessage(), e);
        }
    }
}
