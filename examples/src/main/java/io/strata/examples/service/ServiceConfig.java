package io.strata.examples.service;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.compaction.gc.GcCompactionSettings;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.timeline.GcConfig;
import io.strata.engine.timeline.TimelineConfig;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngineKind;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The settings of {@code strata serve}: a YAML file (snake_case keys, every key optional, unknown keys refused) with
 * command-line overrides on top. Each field's default is its initial value; {@link #describeDefaults()} prints them
 * with their descriptions (in {@code strata serve --help} and {@code examples/strata.yaml}).
 */
public final class ServiceConfig {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @JsonPropertyDescription("data directory (tenants, timelines, layer files)")
    public String dataDir = "strata-data";
    @JsonPropertyDescription("address the HTTP API listens on")
    public String listenHost = "127.0.0.1";
    @JsonPropertyDescription("port of the HTTP API (0: any free port)")
    public int listenPort = 7878;

    @JsonPropertyDescription("io engine: auto (io_uring when available), uring or filechannel")
    public String ioEngine = "auto";
    @JsonPropertyDescription("io_uring rings, one event loop thread each (0: one per core)")
    public int ioRings = 0;
    @JsonPropertyDescription("io_uring poll mode: microseconds a ring keeps polling after its last I/O while I/O is in "
            + "flight, instead of sleeping (0: off; lower latency for a busy core under load)")
    public int ioPollMicros = 0;
    @JsonPropertyDescription("block cache for layer indexes, MiB")
    public int blockCacheMib = 32;

    @JsonPropertyDescription("roll the open in-memory layer after this many bytes of WAL (Neon's checkpoint_distance)")
    public long checkpointDistance = TimelineConfig.DEFAULT_CHECKPOINT_DISTANCE;
    @JsonPropertyDescription("roll the open in-memory layer when a write comes this many seconds after its first")
    public long checkpointTimeoutSeconds = 600;

    @JsonPropertyDescription("run background compaction")
    public boolean compactionEnabled = true;
    @JsonPropertyDescription("compaction algorithm of tenants created without one: legacy or tiered")
    public String compactionAlgorithm = "legacy";
    @JsonPropertyDescription("L0 layers that trigger L0 compaction (Neon's compaction_threshold)")
    public int compactionThreshold = 10;
    @JsonPropertyDescription("target size of compaction outputs and image layer partitions, bytes")
    public long compactionTargetSize = ImageLayerCreationConfig.DEFAULT_COMPACTION_TARGET_SIZE;
    @JsonPropertyDescription("delta layers over a partition that make a new image layer worth it")
    public int imageCreationThreshold = ImageLayerCreationConfig.DEFAULT_IMAGE_CREATION_THRESHOLD;
    @JsonPropertyDescription("image layer compression: disabled, zstd or zstd(<level>)")
    public String imageCompression = "disabled";
    @JsonPropertyDescription("compaction jobs at once across timelines")
    public int compactionMaxJobs = 2;

    @JsonPropertyDescription("let the gc-compaction queue trigger jobs by itself")
    public boolean gcCompactionEnabled = true;
    @JsonPropertyDescription("replay each key's retained history before writing it (gc-compaction)")
    public boolean gcCompactionVerification = true;
    @JsonPropertyDescription("L1 size below the GC watermark that triggers the first automatic gc-compaction, KB")
    public long gcCompactionInitialThresholdKb = GcCompactionSettings.DEFAULT_INITIAL_THRESHOLD_KB;
    @JsonPropertyDescription("L1/L2 size ratio that triggers the next automatic gc-compactions, percent")
    public long gcCompactionRatioPercent = GcCompactionSettings.DEFAULT_RATIO_PERCENT;

    @JsonPropertyDescription("GC keeps this many bytes of WAL below the last record LSN (Neon's gc_horizon)")
    public long gcHorizon = GcConfig.DEFAULT_GC_HORIZON;
    @JsonPropertyDescription("GC keeps history this many seconds back (Neon's pitr_interval)")
    public long pitrIntervalSeconds = GcConfig.DEFAULT_PITR_INTERVAL.toSeconds();
    @JsonPropertyDescription("length of an LSN lease, seconds; GC waits this long after a start")
    public long lsnLeaseLengthSeconds = GcConfig.DEFAULT_LSN_LEASE_LENGTH.toSeconds();

    @JsonPropertyDescription("largest ingest request body, bytes (bigger ones get 413)")
    public long maxIngestBytes = 64L << 20;
    @JsonPropertyDescription("how long a read waits for its LSN to arrive, milliseconds (then 504)")
    public long waitLsnTimeoutMs = 10_000;
    @JsonPropertyDescription("on SIGTERM, how long in-flight requests may take to finish, seconds")
    public long shutdownTimeoutSeconds = 30;

    /** The defaults. */
    public static ServiceConfig defaults() {
        return new ServiceConfig();
    }

    /**
     * {@code file} (when not null) over the defaults, then {@code overrides} (snake_case key to value, parsed as YAML
     * scalars) over that.
     *
     * @throws IllegalArgumentException naming the file, key and problem
     */
    public static ServiceConfig load(Path file, Map<String, String> overrides) {
        ObjectNode tree = YAML.valueToTree(defaults());
        if (file != null) {
            JsonNode fromFile;
            try {
                fromFile = YAML.readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read configuration " + file + ": " + e.getMessage(), e);
            }
            if (fromFile != null && !fromFile.isMissingNode() && !fromFile.isNull()) {
                if (!fromFile.isObject()) {
                    throw new IllegalArgumentException(file + ": expected a mapping of settings");
                }
                fromFile.fields().forEachRemaining(e -> put(tree, e.getKey(), e.getValue(), file.toString()));
            }
        }
        overrides.forEach((k, v) -> {
            JsonNode value;
            try {
                value = YAML.readTree(v);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("--set " + k + "=" + v + ": " + e.getOriginalMessage());
            }
            put(tree, k, value == null || value.isMissingNode() ? tree.textNode(v) : value, "--set");
        });
        ServiceConfig c;
        try {
            c = YAML.treeToValue(tree, ServiceConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException((file == null ? "configuration" : file.toString()) + ": "
                    + e.getOriginalMessage());
        }
        c.toEngineConfig(); // every range check, now rather than at the first request
        return c;
    }

    private static void put(ObjectNode tree, String key, JsonNode value, String source) {
        if (!tree.has(key)) {
            throw new IllegalArgumentException(source + ": unknown setting '" + key + "' (known: "
                    + String.join(", ", knownKeys()) + ")");
        }
        tree.set(key, value);
    }

    static List<String> knownKeys() {
        List<String> keys = new ArrayList<>();
        YAML.valueToTree(defaults()).fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    public Path dataDirectory() {
        return Path.of(dataDir);
    }

    /** The compaction algorithm of tenants created without one (Neon's {@code compaction_algorithm.kind}). */
    public io.strata.engine.compaction.CompactionAlgorithm defaultCompactionAlgorithm() {
        try {
            return io.strata.engine.compaction.CompactionAlgorithm.parse(compactionAlgorithm);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("compaction_algorithm: " + e.getMessage(), e);
        }
    }

    /** The engine settings these map onto. */
    public EngineConfig toEngineConfig() {
        defaultCompactionAlgorithm(); // refuses an unknown kind, naming the setting
        if (blockCacheMib < 1 || listenPort < 0 || listenPort > 65535 || ioRings < 0 || maxIngestBytes < 1
                || waitLsnTimeoutMs < 0 || shutdownTimeoutSeconds < 0) {
            throw new IllegalArgumentException("invalid settings: block_cache_mib " + blockCacheMib + ", listen_port "
                    + listenPort + ", io_rings " + ioRings + ", max_ingest_bytes " + maxIngestBytes
                    + ", wait_lsn_timeout_ms " + waitLsnTimeoutMs + ", shutdown_timeout_seconds "
                    + shutdownTimeoutSeconds);
        }
        IoConfig io = IoConfig.defaults().withEngine(IoEngineKind.parse(ioEngine));
        if (ioRings > 0) {
            io = io.withRings(ioRings);
        }
        if (ioPollMicros < 0 || ioPollMicros > IoConfig.MAX_POLL_MICROS) {
            throw new IllegalArgumentException("invalid settings: io_poll_micros " + ioPollMicros + ": must be in [0, "
                    + IoConfig.MAX_POLL_MICROS + "]");
        }
        io = io.withPollMicros(ioPollMicros);
        GcConfig gc = GcConfig.defaults().withGcHorizon(gcHorizon)
                .withPitrInterval(Duration.ofSeconds(pitrIntervalSeconds))
                .withLsnLeaseLength(Duration.ofSeconds(lsnLeaseLengthSeconds));
        TimelineConfig timeline = TimelineConfig.defaults().withCheckpointDistance(checkpointDistance)
                .withCheckpointTimeout(Duration.ofSeconds(checkpointTimeoutSeconds))
                .withCompactionThreshold(compactionThreshold)
                .withL0FlushThresholds(3 * compactionThreshold, 0)
                .withGc(gc);
        ImageLayerCreationConfig images = imageCreationConfig();
        GcCompactionSettings gcCompaction = gcCompactionSettings();
        CompactionConfig compaction = CompactionConfig.defaults().withEnabled(compactionEnabled)
                .withMaxConcurrentJobs(compactionMaxJobs).withImageCreation(images).withGcCompaction(gcCompaction);
        return EngineConfig.defaults().withIo(io).withTimeline(timeline)
                .withBlockCacheBlocks(blockCacheMib * 128).withCompaction(compaction);
    }

    /** Image layer creation (background pass and {@code compact} requests). */
    public ImageLayerCreationConfig imageCreationConfig() {
        ImageCompressionAlgorithm compression;
        try {
            compression = ImageCompressionAlgorithm.parse(imageCompression);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("image_compression: " + e.getMessage(), e);
        }
        ImageLayerCreationConfig d = ImageLayerCreationConfig.defaults();
        return new ImageLayerCreationConfig(compactionTargetSize, imageCreationThreshold,
                d.imageLayerCreationCheckThreshold(), d.imageCreationPreemptThreshold(), d.maxGetVectoredKeys(),
                compression, d.shard());
    }

    /** Gc-compaction (queue triggers and {@code compact} requests). */
    public GcCompactionSettings gcCompactionSettings() {
        GcCompactionSettings d = GcCompactionSettings.defaults();
        return new GcCompactionSettings(gcCompactionEnabled, gcCompactionVerification, gcCompactionInitialThresholdKb,
                gcCompactionRatioPercent, compactionTargetSize, d.compactionL0First(), d.iterator());
    }

    /** Every setting, its default and what it does, as YAML with comments (the sample configuration file). */
    public static String describeDefaults() {
        return describe(defaults());
    }

    /** Every setting with its value in {@code c} and what it does, as YAML with comments (lines of at most 78). */
    public static String describe(ServiceConfig c) {
        ObjectNode tree = YAML.valueToTree(c);
        StringBuilder sb = new StringBuilder();
        for (Field f : ServiceConfig.class.getFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            String key = PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(f.getName());
            JsonPropertyDescription d = f.getAnnotation(JsonPropertyDescription.class);
            StringBuilder line = new StringBuilder("#");
            for (String word : (d == null ? "" : d.value()).split(" ")) {
                if (line.length() + 1 + word.length() > 78) {
                    sb.append(line).append('\n');
                    line = new StringBuilder("#");
                }
                line.append(' ').append(word);
            }
            sb.append(line).append('\n');
            sb.append(key).append(": ").append(tree.get(key).asText()).append('\n');
        }
        return sb.toString();
    }

    /** This configuration as YAML. */
    public String toYaml() {
        try {
            return YAML.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
