package io.strata.examples.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.examples.layer.LayerJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * Strata's page API (Neon's page service speaks libpq; these are HTTP equivalents):
 * <ul>
 *   <li>{@code POST .../timeline/{id}/ingest[?flush=true]}: JSON lines {@code {"key":"<36 hex>","lsn":"X/X",
 *   "image":"<base64>"}} or {@code "wal":{"will_init":b,"record":"<base64 bincode>"}} (or the {@code strata layer
 *   dump --values} form with {@code "value":{...}}). The whole body is checked before anything is written and goes
 *   in as one batch, so a bad line or LSN changes nothing.</li>
 *   <li>{@code GET .../page?key=&lsn=}: one page, raw bytes; {@code lsn} defaults to the last record LSN and is waited
 *   for.</li>
 *   <li>{@code GET .../pages?start=&end=&lsn=[&limit=]}: every existing key in {@code [start, end)} at {@code lsn},
 *   newline-delimited JSON {@code {"key","image"}}, read batch by batch only as the client takes them.</li>
 * </ul>
 */
final class PageRoutes implements RouteGroup {
    static final String NDJSON = "application/x-ndjson";

    @Override
    public void register(HttpServerRoutes routes, ServiceContext ctx) {
        Api api = ctx.api();
        routes.post("/v1/tenant/{tenantId}/timeline/{timelineId}/ingest", api.json("ingest", req -> {
            Timeline t = ctx.timeline(req);
            boolean flush = Boolean.parseBoolean(query(req, "flush", "false"));
            return Api.body(req, ctx.config().maxIngestBytes)
                    .publishOn(Schedulers.parallel()) // parsing megabytes is not an event loop's job
                    .map(PageRoutes::parseIngest)
                    .flatMap(records -> records.isEmpty() ? Mono.just(0)
                            : t.ingest(Flux.just(records)).thenReturn(records.size()))
                    .doOnNext(ctx.recordsIngested::increment)
                    .flatMap(n -> (flush ? t.freezeAndFlush().then() : Mono.<Void>empty()).thenReturn(n))
                    .map(n -> Reply.ok(Json.object().put("records", n)
                            .put("last_record_lsn", t.lastRecordLsn().toString())
                            .put("disk_consistent_lsn", t.diskConsistentLsn().toString())));
        }));
        routes.get("/v1/tenant/{tenantId}/timeline/{timelineId}/page", api.json("page", req -> {
            Timeline t = ctx.timeline(req);
            Key key = Json.key(required(req, "key"), "key");
            Lsn lsn = lsnParam(req, t);
            return waitForLsn(ctx, t, lsn).then(t.get(key, lsn))
                    .doOnNext(b -> ctx.pagesRead.increment())
                    .map(Reply::bytes);
        }));
        routes.get("/v1/tenant/{tenantId}/timeline/{timelineId}/pages", api.stream("pages", NDJSON, req -> {
            Timeline t = ctx.timeline(req);
            Key start = Json.key(required(req, "start"), "start");
            Key end = Json.key(required(req, "end"), "end");
            if (start.compareTo(end) >= 0) {
                throw ApiException.badRequest("empty key range: start " + start + " must be below end " + end);
            }
            long limit = parseLong(query(req, "limit", Long.toString(Long.MAX_VALUE)), "limit");
            Lsn lsn = lsnParam(req, t);
            KeySpace range = KeySpace.single(new KeyRange(start, end));
            Base64.Encoder b64 = Base64.getEncoder();
            return waitForLsn(ctx, t, lsn)
                    .then(ctx.keySpaces(t).collect(t, lsn))
                    .map(collected -> {
                        KeySpace keys = collected.all().intersect(range);
                        return keys.isEmpty() ? Flux.<String>empty() : t.getVectored(keys, lsn)
                                .take(limit)
                                .map(p -> {
                                    ctx.pagesStreamed.increment();
                                    return "{\"key\":\"" + p.key() + "\",\"image\":\"" + b64.encodeToString(p.bytes())
                                            + "\"}\n";
                                });
                    });
        }));
    }

    /** The body's records, checked line by line (400 naming the line) and in LSN order. */
    static List<IngestRecord> parseIngest(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        List<IngestRecord> records = new ArrayList<>();
        int lineNo = 0;
        Lsn previous = null;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            LayerEntry e;
            try {
                e = LayerJson.parseEntry(shorthand(parseLine(line)));
            } catch (IllegalArgumentException ex) {
                throw ApiException.badRequest("ingest line " + lineNo + ": " + ex.getMessage());
            }
            if (previous != null && e.lsn().isBefore(previous)) {
                throw ApiException.badRequest("ingest line " + lineNo + ": LSN " + e.lsn() + " is below the previous "
                        + "line's " + previous + " (LSNs must not decrease)");
            }
            previous = e.lsn();
            records.add(new IngestRecord(e.key(), e.lsn(), e.value()));
        }
        return records;
    }

    private static JsonNode parseLine(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON at column " + e.getLocation().getColumnNr() + ": "
                    + e.getOriginalMessage());
        }
    }

    /** {@code {"key","lsn","image"|"wal"}} as the layer dump's {@code {"key","lsn","value":{...}}}. */
    private static JsonNode shorthand(JsonNode n) {
        if (n instanceof ObjectNode o && !o.has("value") && (o.has("image") || o.has("wal"))) {
            ObjectNode copy = o.deepCopy();
            ObjectNode value = copy.putObject("value");
            for (String f : new String[] {"image", "wal"}) {
                JsonNode v = copy.remove(f);
                if (v != null) {
                    value.set(f, v);
                }
            }
            return copy;
        }
        return n;
    }

    private static Mono<Void> waitForLsn(ServiceContext ctx, Timeline t, Lsn lsn) {
        Duration wait = Duration.ofMillis(ctx.config().waitLsnTimeoutMs);
        return t.waitForLsn(lsn).timeout(wait, Mono.error(() -> new TimeoutException("timeline " + t.id()
                + ": LSN " + lsn + " not reached within " + wait.toMillis() + " ms (last record LSN "
                + t.lastRecordLsn() + ")")));
    }

    private static Lsn lsnParam(HttpServerRequest req, Timeline t) {
        String s = query(req, "lsn", null);
        return s == null ? t.lastRecordLsn() : Json.lsn(s, "lsn");
    }

    static String query(HttpServerRequest req, String name, String dflt) {
        Map<String, List<String>> params = new QueryStringDecoder(req.uri()).parameters();
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? dflt : v.get(v.size() - 1);
    }

    static String required(HttpServerRequest req, String name) {
        String v = query(req, name, null);
        if (v == null || v.isEmpty()) {
            throw ApiException.badRequest("missing query parameter '" + name + "'");
        }
        return v;
    }

    static long parseLong(String s, String what) {
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad " + what + " '" + s + "': expected a non-negative integer");
        }
    }
}
