package io.strata.examples.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.io.IOException;

/** The API's JSON: one strict mapper, and field readers that turn bad input into 400s naming the field. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    public static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code body} as a JSON object; an empty body is an empty object. */
    public static ObjectNode parseObject(byte[] body, String what) {
        if (body.length == 0) {
            return object();
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(what + ": malformed JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest(what + ": " + e.getMessage());
        }
        if (n == null || n.isMissingNode()) {
            return object();
        }
        if (!n.isObject()) {
            throw ApiException.badRequest(what + ": expected a JSON object, got " + n.getNodeType());
        }
        return (ObjectNode) n;
    }

    /** Optional string field; 400 if present but not a string. */
    public static String text(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest("\"" + field + "\" must be a string");
        }
        return n.textValue();
    }

    public static Lsn lsn(String value, String what) {
        try {
            return Lsn.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(what + ": " + e.getMessage());
        }
    }

    public static Key key(String value, String what) {
        try {
            return Key.fromHex(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(what + ": " + e.getMessage());
        }
    }

    /** Neon's {@code {"msg": ...}} error body. */
    public static byte[] error(String msg) {
        return bytes(object().put("msg", msg));
    }
}
