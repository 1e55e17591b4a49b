package io.strata.examples.service;

import com.fasterxml.jackson.databind.JsonNode;

/** A whole response of the API: status, content type and body. */
public record Reply(int status, String contentType, byte[] body) {
    public static final String JSON = "application/json";

    public static Reply json(int status, JsonNode body) {
        return new Reply(status, JSON, Json.bytes(body));
    }

    public static Reply ok(JsonNode body) {
        return json(200, body);
    }

    public static Reply bytes(byte[] body) {
        return new Reply(200, "application/octet-stream", body);
    }

    public static Reply text(String contentType, String body) {
        return new Reply(200, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
