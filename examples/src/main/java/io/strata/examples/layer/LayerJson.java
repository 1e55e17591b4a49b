package io.strata.examples.layer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strata.engine.bincode.BincodeDecodeException;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerSummary;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.value.Value;
import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;

/**
 * The JSON-lines form of layers shared by {@code dump} (writing) and {@code build} (reading).
 *
 * <p>Summary line: {@code {"kind","magic","format_version","tenant_id","timeline_id","key_range":{"start","end"},
 * "lsn" | "lsn_range":{"start","end"},"index_start_blk","index_root_blk"}}. Entry line:
 * {@code {"key":"<36 hex>","lsn":"X/X","value":V}} with V either {@code {"image":"<base64>"}} or
 * {@code {"wal":{"will_init":bool,"record":"<base64>"}}}, where {@code record} is the bincode of the
 * {@code NeonWalRecord}: the value's bincode without its 4-byte {@code Value} variant tag (FORMAT 10.3).
 */
public final class LayerJson {
    /** Bincode of the {@code Value::WalRecord} variant tag (u32 1, big-endian) that precedes a record. */
    private static final byte[] WAL_RECORD_TAG = {0, 0, 0, 1};
    private static final int TAG_SIZE = WAL_RECORD_TAG.length;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private LayerJson() {
    }

    /**
     * A generator writing one JSON value per line to {@code out}: call {@link #endLine} after each value. It
     * buffers, and flushing it does not flush {@code out} (the caller decides).
     */
    static JsonGenerator lines(Writer out) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out);
        g.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.setRootValueSeparator(null);
        return g;
    }

    static void endLine(JsonGenerator g) throws IOException {
        g.writeRaw('\n');
    }

    static void writeSummary(JsonGenerator g, LayerSummary s) throws IOException {
        g.writeStartObject();
        g.writeStringField("kind", s instanceof ImageLayerSummary ? "image" : "delta");
        g.writeNumberField("magic", s.magic());
        g.writeNumberField("format_version", s.formatVersion());
        g.writeStringField("tenant_id", s.tenantId().toString());
        g.writeStringField("timeline_id", s.timelineId().toString());
        writeRange(g, "key_range", s.keyRange().start().toString(), s.keyRange().end().toString());
        if (s instanceof ImageLayerSummary i) {
            g.writeStringField("lsn", i.lsn().toString());
        } else {
            DeltaLayerSummary d = (DeltaLayerSummary) s;
            writeRange(g, "lsn_range", d.lsnStart().toString(), d.lsnEnd().toString());
        }
        g.writeNumberField("index_start_blk", s.indexStartBlk());
        g.writeNumberField("index_root_blk", s.indexRootBlk());
        g.writeEndObject();
        endLine(g);
    }

    private static void writeRange(JsonGenerator g, String name, String start, String end) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeStringField("start", start);
        g.writeStringField("end", end);
        g.writeEndObject();
    }

    static void writeEntry(JsonGenerator g, LayerEntry e) throws IOException {
        Base64.Encoder b64 = Base64.getEncoder();
        g.writeStartObject();
        g.writeStringField("key", e.key().toString());
        g.writeStringField("lsn", e.lsn().toString());
        g.writeObjectFieldStart("value");
        if (e.value() instanceof Value.Image image) {
            g.writeStringField("image", b64.encodeToString(image.bytes()));
        } else {
            byte[] bytes = e.value().serialize();
            g.writeObjectFieldStart("wal");
            g.writeBooleanField("will_init", e.value().willInit());
            g.writeStringField("record", b64.encodeToString(Arrays.copyOfRange(bytes, TAG_SIZE, bytes.length)));
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
        endLine(g);
    }

    /**
     * Parses one entry line strictly: an object with exactly {@code key}, {@code lsn} and {@code value}, the value
     * exactly one of {@code image} and {@code wal}, base64 that decodes, a record that decodes exactly and agrees
     * with its {@code will_init}.
     *
     * @throws IllegalArgumentException naming the problem (the caller adds the line number)
     */
    static LayerEntry parseEntry(String line) {
        return parseEntry(parse(line));
    }

    /** One line as a JSON tree (strict: one value, no duplicate fields). */
    static JsonNode parse(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON at column " + e.getLocation().getColumnNr() + ": "
                    + e.getOriginalMessage());
        }
    }

    /** The {@code "kind"} of a summary line, or null if {@code root} is not a summary (has no {@code kind}). */
    static String summaryKind(JsonNode root) {
        JsonNode kind = root == null || !root.isObject() ? null : root.get("kind");
        if (kind == null) {
            return null;
        }
        if (!kind.isTextual()) {
            throw new IllegalArgumentException("summary \"kind\" must be \"image\" or \"delta\"");
        }
        return kind.textValue();
    }

    public static LayerEntry parseEntry(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object {\"key\",\"lsn\",\"value\"}");
        }
        onlyFields(root, "entry", Set.of("key", "lsn", "value"));
        Key key;
        try {
            key = Key.fromHex(text(root, "key"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"key\": " + e.getMessage());
        }
        Lsn lsn;
        try {
            lsn = Lsn.parse(text(root, "lsn"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"lsn\": " + e.getMessage());
        }
        JsonNode value = field(root, "value");
        if (!value.isObject() || value.size() != 1 || !(value.has("image") || value.has("wal"))) {
            throw new IllegalArgumentException("\"value\" must be an object with exactly one of \"image\" and "
                    + "\"wal\"");
        }
        if (value.has("image")) {
            return new LayerEntry(key, lsn, new Value.Image(base64(value, "image")));
        }
        JsonNode wal = value.get("wal");
        if (!wal.isObject()) {
            throw new IllegalArgumentException("\"wal\" must be an object {\"will_init\",\"record\"}");
        }
        onlyFields(wal, "\"wal\"", Set.of("will_init", "record"));
        JsonNode willInitNode = field(wal, "will_init");
        if (!willInitNode.isBoolean()) {
            throw new IllegalArgumentException("\"will_init\" must be true or false");
        }
        byte[] record = base64(wal, "record");
        byte[] bytes = new byte[TAG_SIZE + record.length];
        System.arraycopy(WAL_RECORD_TAG, 0, bytes, 0, TAG_SIZE);
        System.arraycopy(record, 0, bytes, TAG_SIZE, record.length);
        Value v;
        try {
            v = Value.deserialize(bytes);
        } catch (BincodeDecodeException | IllegalArgumentException e) {
            throw new IllegalArgumentException("\"record\" is not a NeonWalRecord: " + e.getMessage());
        }
        if (v.willInit() != willInitNode.booleanValue()) {
            throw new IllegalArgumentException("\"will_init\" is " + willInitNode.booleanValue()
                    + " but the record says " + v.willInit());
        }
        return new LayerEntry(key, lsn, v);
    }

    private static void onlyFields(JsonNode node, String what, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown field \"" + name + "\" in " + what);
            }
        }
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode f = node.get(name);
        if (f == null) {
            throw new IllegalArgumentException("missing \"" + name + "\"");
        }
        return f;
    }

    private static String text(JsonNode node, String name) {
        JsonNode f = field(node, name);
        if (!f.isTextual()) {
            throw new IllegalArgumentException("\"" + name + "\" must be a string");
        }
        return f.textValue();
    }

    private static byte[] base64(JsonNode node, String name) {
        try {
            return Base64.getDecoder().decode(text(node, name));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("\"")) {
                throw e;
            }
            throw new IllegalArgumentException("\"" + name + "\" is not base64: " + e.getMessage());
        }
    }

    /** {@code START-END} of a key range, for messages. */
    static String describe(KeyRange r) {
        return "[" + r.start() + ", " + r.end() + ")";
    }
}
