package io.strata.examples.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.Lsn;
import io.strata.engine.compaction.CompactionAlgorithm;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.IndexPart;
import io.strata.engine.timeline.Timeline;
import java.util.Optional;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * Tenants and timelines, on Neon's pageserver paths: {@code GET/POST /v1/tenant}, {@code GET /v1/tenant/{id}},
 * {@code GET/POST /v1/tenant/{id}/timeline} (create, or branch with {@code ancestor_timeline_id} and
 * {@code ancestor_start_lsn}), {@code GET/DELETE /v1/tenant/{id}/timeline/{timelineId}}.
 */
final class TenantRoutes implements RouteGroup {
    /** Where a timeline created without {@code initdb_lsn} starts (its first records must be above it). */
    static final Lsn DEFAULT_INITDB_LSN = Lsn.of(0x10);

    @Override
    public void register(HttpServerRoutes routes, ServiceContext ctx) {
        Api api = ctx.api();
        routes.get("/v1/tenant", api.json("tenant_list", req -> {
            ArrayNode a = Json.array();
            ctx.engine().tenants().forEach(t -> a.add(tenantInfo(t)));
            return Mono.just(Reply.ok(a));
        }));
        routes.post("/v1/tenant", api.json("tenant_create", req -> Api.body(req, 1 << 20).flatMap(body -> {
            ObjectNode o = Json.parseObject(body, "tenant create request");
            String s = Json.text(o, "new_tenant_id");
            TenantId id;
            try {
                id = s == null ? TenantId.generate() : TenantId.parse(s);
            } catch (RuntimeException e) {
                throw ApiException.badRequest("bad new_tenant_id '" + s + "': " + e.getMessage());
            }
            if (ctx.engine().tenant(id).isPresent()) {
                throw ApiException.conflict("tenant " + id + " exists already");
            }
            CompactionAlgorithm algorithm = o.has("compaction_algorithm")
                    ? compactionAlgorithm(o.get("compaction_algorithm")) : ctx.config().defaultCompactionAlgorithm();
            // Neon answers the new id as a JSON string
            return ctx.engine().createTenant(id)
                    .flatMap(t -> algorithm == t.compactionAlgorithm() ? Mono.just(t)
                            : t.setCompactionAlgorithm(algorithm).thenReturn(t))
                    .map(t -> Reply.json(201, Json.MAPPER.getNodeFactory().textNode(t.id().toString())));
        })));
        // Neon's tenant config update: {"tenant_id": ..., "compaction_algorithm": {"kind": "legacy"|"tiered"}}
        routes.put("/v1/tenant/config", api.json("tenant_config", req -> Api.body(req, 1 << 20).flatMap(body -> {
            ObjectNode o = Json.parseObject(body, "tenant config request");
            String s = Json.text(o, "tenant_id");
            if (s == null) {
                throw ApiException.badRequest("tenant config request: tenant_id is missing");
            }
            TenantId id;
            try {
                id = TenantId.parse(s);
            } catch (RuntimeException e) {
                throw ApiException.badRequest("bad tenant_id '" + s + "': " + e.getMessage());
            }
            Tenant t = ctx.engine().tenant(id).orElseThrow(() -> ApiException.notFound("tenant " + id
                    + " not found"));
            if (!o.has("compaction_algorithm")) {
                return Mono.just(Reply.ok(tenantInfo(t)));
            }
            return t.setCompactionAlgorithm(compactionAlgorithm(o.get("compaction_algorithm")))
                    .then(Mono.fromSupplier(() -> Reply.ok(tenantInfo(t))));
        })));
        routes.get("/v1/tenant/{tenantId}", api.json("tenant_detail",
                req -> Mono.just(Reply.ok(tenantInfo(ctx.tenant(req))))));
        routes.get("/v1/tenant/{tenantId}/timeline", api.json("timeline_list", req -> {
            ArrayNode a = Json.array();
            ctx.tenant(req).timelines().forEach(t -> a.add(timelineInfo(ctx.tenant(req).id(), t)));
            return Mono.just(Reply.ok(a));
        }));
        routes.post("/v1/tenant/{tenantId}/timeline", api.json("timeline_create",
                req -> Api.body(req, 1 << 20).flatMap(body -> createTimeline(ctx, ctx.tenant(req),
                        Json.parseObject(body, "timeline create request")))));
        routes.get("/v1/tenant/{tenantId}/timeline/{timelineId}", api.json("timeline_detail",
                req -> Mono.just(Reply.ok(timelineInfo(ctx.tenant(req).id(), ctx.timeline(req))))));
        routes.delete("/v1/tenant/{tenantId}/timeline/{timelineId}", api.json("timeline_delete", req -> {
            Tenant tenant = ctx.tenant(req);
            Timeline t = ctx.timeline(req);
            return tenant.deleteTimeline(t.id()).thenReturn(Reply.ok(Json.object()));
        }));
    }

    private static Mono<Reply> createTimeline(ServiceContext ctx, Tenant tenant, ObjectNode o) {
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!java.util.Set.of("new_timeline_id", "ancestor_timeline_id", "ancestor_start_lsn", "initdb_lsn",
                    "pg_version").contains(f)) {
                throw ApiException.badRequest("timeline create request: unknown field \"" + f + "\"");
            }
        }
        String idText = Json.text(o, "new_timeline_id");
        TimelineId id = idText == null ? TimelineId.generate()
                : ServiceContext.parseTimelineId(idText, "new_timeline_id");
        if (tenant.timeline(id).isPresent()) {
            throw ApiException.conflict("timeline " + tenant.id() + "/" + id + " exists already");
        }
        String ancestor = Json.text(o, "ancestor_timeline_id");
        String startLsn = Json.text(o, "ancestor_start_lsn");
        String initdb = Json.text(o, "initdb_lsn");
        Mono<Timeline> created;
        if (ancestor != null) {
            if (initdb != null) {
                throw ApiException.badRequest("a branch has no initdb_lsn: it starts at ancestor_start_lsn");
            }
            TimelineId parent = ServiceContext.parseTimelineId(ancestor, "ancestor_timeline_id");
            if (tenant.timeline(parent).isEmpty()) {
                throw ApiException.notFound("ancestor timeline " + tenant.id() + "/" + parent + " not found");
            }
            Optional<Lsn> start = Optional.ofNullable(startLsn).map(s -> Json.lsn(s, "ancestor_start_lsn"));
            created = tenant.branchTimeline(parent, id, start);
        } else {
            if (startLsn != null) {
                throw ApiException.badRequest("ancestor_start_lsn needs ancestor_timeline_id");
            }
            Lsn lsn = initdb == null ? DEFAULT_INITDB_LSN : Json.lsn(initdb, "initdb_lsn");
            created = tenant.createTimeline(id, lsn);
        }
        return created.map(t -> Reply.json(201, timelineInfo(tenant.id(), t)));
    }

    /** Neon's {@code {"kind": "legacy"|"tiered"}}. */
    private static CompactionAlgorithm compactionAlgorithm(com.fasterxml.jackson.databind.JsonNode n) {
        com.fasterxml.jackson.databind.JsonNode kind = n == null ? null : n.get("kind");
        if (kind == null || !kind.isTextual()) {
            throw ApiException.badRequest("compaction_algorithm must be {\"kind\": \"legacy\"|\"tiered\"}, got " + n);
        }
        try {
            return CompactionAlgorithm.parse(kind.asText());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("compaction_algorithm: " + e.getMessage());
        }
    }

    static ObjectNode tenantInfo(Tenant t) {
        ObjectNode o = Json.object().put("id", t.id().toString());
        o.putObject("compaction_algorithm").put("kind", t.compactionAlgorithm().kind());
        o.putObject("attachment_status").put("slug", "attached");
        o.put("generation", Integer.toUnsignedLong(t.generation().value()));
        long size = 0;
        for (Timeline tl : t.timelines()) {
            size += physicalSize(tl);
        }
        o.put("current_physical_size", size);
        o.put("timelines", t.timelines().size());
        return o;
    }

    /** Neon's {@code TimelineInfo}, with the fields Strata has. */
    static ObjectNode timelineInfo(TenantId tenant, Timeline t) {
        IndexPart.TimelineMetadata m = t.indexPart().metadata();
        ObjectNode o = Json.object()
                .put("tenant_id", tenant.toString())
                .put("timeline_id", t.id().toString());
        m.ancestorTimeline().ifPresentOrElse(a -> o.put("ancestor_timeline_id", a.toString()),
                () -> o.putNull("ancestor_timeline_id"));
        if (m.ancestorTimeline().isPresent()) {
            o.put("ancestor_lsn", m.ancestorLsn().toString());
        } else {
            o.putNull("ancestor_lsn");
        }
        Lsn applied = t.appliedGcCutoffLsn();
        o.put("last_record_lsn", t.lastRecordLsn().toString())
                .put("disk_consistent_lsn", t.diskConsistentLsn().toString())
                .putNull("prev_record_lsn")
                .put("initdb_lsn", m.initdbLsn().toString())
                .put("applied_gc_cutoff_lsn", applied.toString())
                .put("min_readable_lsn", (applied.compareTo(m.initdbLsn()) > 0 ? applied : m.initdbLsn()).toString())
                .put("current_physical_size", physicalSize(t))
                .put("historic_layers", t.layers().map().historicLayerCount())
                .put("l0_layers", t.layers().map().level0Deltas().size())
                .put("state", "Active");
        return o;
    }

    static long physicalSize(Timeline t) {
        long size = 0;
        for (PersistentLayerDesc d : t.layers().map().historicLayers()) {
            size += d.fileSize();
        }
        return size;
    }
}
