package io.strata.examples.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.compaction.CompactionScheduler;
import io.strata.engine.compaction.gc.CompactFlags;
import io.strata.engine.compaction.gc.CompactKeyRange;
import io.strata.engine.compaction.gc.CompactLsnRange;
import io.strata.engine.compaction.gc.CompactOptions;
import io.strata.engine.compaction.gc.CompactionStatistics;
import io.strata.engine.compaction.gc.GcCompaction;
import io.strata.engine.compaction.gc.GcCompactionQueue;
import io.strata.engine.compaction.gc.GcCompactionResult;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.compaction.legacy.LegacyCompaction;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layermap.InMemoryLayerDesc;
import io.strata.engine.layermap.LayerMap;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.GcInfo;
import io.strata.engine.timeline.LsnLease;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineStats;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * Compaction, GC, leases, the layer map and statistics of a timeline, on Neon's paths: {@code PUT .../compact}
 * (legacy, or gc-compaction with {@code enhanced_gc_bottom_most_compaction}), {@code PUT .../do_gc},
 * {@code POST .../lsn_lease}, {@code GET .../layer} (Neon's {@code LayerMapInfo} plus key ranges), and Strata's
 * {@code GET .../statistics}.
 */
final class MaintenanceRoutes implements RouteGroup {
    private static final String TIMELINE = "/v1/tenant/{tenantId}/timeline/{timelineId}";
    private static final Set<String> COMPACT_PARAMS = Set.of("force_l0_compaction", "force_image_layer_creation",
            "force_repartition", "enhanced_gc_bottom_most_compaction", "dry_run", "sub_compaction",
            "sub_compaction_max_job_size_mb", "compact_key_range", "compact_lsn_range", "scheduled",
            "wait_until_scheduled_compaction_done", "wait_until_uploaded");

    @Override
    public void register(HttpServerRoutes routes, ServiceContext ctx) {
        Api api = ctx.api();
        routes.put(TIMELINE + "/compact", api.json("compact", req -> {
            Timeline t = ctx.timeline(req);
            return Api.body(req, 1 << 20).flatMap(body -> compact(ctx, t, req,
                    Json.parseObject(body, "compact request")));
        }));
        routes.put(TIMELINE + "/do_gc", api.json("do_gc", req -> {
            Tenant tenant = ctx.tenant(req);
            Timeline t = ctx.timeline(req);
            return Api.body(req, 1 << 20).flatMap(body -> {
                ObjectNode o = Json.parseObject(body, "gc request");
                long horizon = longField(o, "gc_horizon", ctx.config().gcHorizon);
                long pitr = longField(o, "pitr_interval_seconds", ctx.config().pitrIntervalSeconds);
                return tenant.gcIteration(Optional.of(t.id()), horizon, Duration.ofSeconds(pitr)).map(results -> {
                    if (results.containsKey(t.id())) {
                        return new Reply(200, Reply.JSON, results.get(t.id()).toJson()
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                    return Reply.ok(Json.object().put("skipped", true)
                            .put("msg", "GC waits until " + tenant.gcBlockedUntil() + " after a start, so that "
                                    + "clients can renew their leases")
                            .put("gc_blocked_until", tenant.gcBlockedUntil().toString()));
                });
            });
        }));
        routes.post(TIMELINE + "/lsn_lease", api.json("lsn_lease", req -> {
            Timeline t = ctx.timeline(req);
            return Api.body(req, 1 << 20).map(body -> {
                ObjectNode o = Json.parseObject(body, "lsn lease request");
                String s = Json.text(o, "lsn");
                if (s == null) {
                    throw ApiException.badRequest("lsn lease request: missing \"lsn\"");
                }
                Lsn lsn = Json.lsn(s, "lsn");
                LsnLease lease = t.leaseLsn(lsn, Duration.ofSeconds(ctx.config().lsnLeaseLengthSeconds), false);
                return Reply.ok(Json.object().put("valid_until", lease.validUntil().toString()));
            });
        }));
        routes.get(TIMELINE + "/layer", api.json("layer_map", req -> Mono.just(Reply.ok(layerMapInfo(ctx.timeline(req))))));
        routes.get(TIMELINE + "/statistics", api.json("statistics", req -> Mono.just(Reply.ok(statistics(ctx, req)))));
    }

    private static Mono<Reply> compact(ServiceContext ctx, Timeline t, HttpServerRequest req, ObjectNode body) {
        java.util.Map<String, java.util.List<String>> params =
                new io.netty.handler.codec.http.QueryStringDecoder(req.uri()).parameters();
        for (String p : params.keySet()) {
            if (!COMPACT_PARAMS.contains(p)) {
                throw ApiException.badRequest("compact: unknown query parameter '" + p + "' (known: "
                        + new java.util.TreeSet<>(COMPACT_PARAMS) + ")");
            }
        }
        boolean gc = flag(req, "enhanced_gc_bottom_most_compaction");
        boolean dryRun = flag(req, "dry_run");
        boolean sub = flag(req, "sub_compaction");
        boolean scheduled = flag(req, "scheduled");
        Optional<CompactKeyRange> keys = keyRange(body, req);
        Optional<CompactLsnRange> lsns = lsnRange(body, req);
        if (!gc && (dryRun || sub || scheduled || keys.isPresent() || lsns.isPresent())) {
            throw ApiException.badRequest("dry_run, sub_compaction, scheduled, compact_key_range and "
                    + "compact_lsn_range need enhanced_gc_bottom_most_compaction=true");
        }
        List<PersistentLayerDesc> before = List.copyOf(t.layers().map().historicLayers());
        if (!gc) {
            Level0Compaction.Options l0 = Level0Compaction.Options.of(t.config())
                    .withForce(flag(req, "force_l0_compaction"));
            ImageLayerCreationMode mode = flag(req, "force_image_layer_creation") ? ImageLayerCreationMode.FORCE
                    : ImageLayerCreationMode.TRY;
            return LegacyCompaction.compactLegacy(t, l0, ctx.compactionPool(),
                            tl -> LegacyCompaction.createImageLayers(ctx.imageCreation(tl), mode, false), false)
                    .map(outcome -> Reply.ok(changes(Json.object().put("algorithm", "legacy")
                            .put("outcome", outcome.name()), before, t)));
        }
        EnumSet<CompactFlags> flags = EnumSet.of(CompactFlags.ENHANCED_GC_BOTTOM_MOST_COMPACTION);
        if (dryRun) {
            flags.add(CompactFlags.DRY_RUN);
        }
        String maxJob = PageRoutes.query(req, "sub_compaction_max_job_size_mb", null);
        CompactOptions options = new CompactOptions(flags, keys, lsns, sub, maxJob == null ? OptionalLong.empty()
                : OptionalLong.of(PageRoutes.parseLong(maxJob, "sub_compaction_max_job_size_mb")));
        if (scheduled) {
            CompactionScheduler scheduler = ctx.engine().compactionScheduler().orElseThrow(() ->
                    ApiException.badRequest("scheduled=true needs background compaction (compaction_enabled)"));
            GcCompactionQueue.Scheduled job = ctx.engine().gcCompactionQueue(t).scheduleManualCompaction(options);
            scheduler.enqueue(t, CompactionScheduler.Lane.BACKGROUND);
            ObjectNode o = Json.object().put("algorithm", "gc-compaction").put("job_id", job.id().id());
            if (!flag(req, "wait_until_scheduled_compaction_done")) {
                return Mono.just(Reply.json(202, o.put("done", false)));
            }
            return job.finished().then(Mono.fromSupplier(() -> Reply.ok(changes(o.put("done", true), before, t))));
        }
        return GcCompaction.compactWithGc(t, options, ctx.config().gcCompactionSettings(), ctx.compactionPool())
                .map(r -> Reply.ok(gcResult(r)));
    }

    private static ObjectNode gcResult(GcCompactionResult r) {
        ObjectNode o = Json.object().put("algorithm", "gc-compaction").put("outcome", r.outcome().name());
        ArrayNode stats = o.putArray("statistics");
        for (CompactionStatistics s : r.statistics()) {
            try {
                stats.add(Json.MAPPER.readTree(s.toJson()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("compaction statistics are not JSON: " + s.toJson(), e);
            }
        }
        names(o.putArray("removed"), r.removed());
        names(o.putArray("added"), r.added());
        return o;
    }

    /** The layers a compaction removed and added, from the layer map before and after. */
    private static ObjectNode changes(ObjectNode o, List<PersistentLayerDesc> before, Timeline t) {
        Set<PersistentLayerDesc> after = new HashSet<>(t.layers().map().historicLayers());
        Set<PersistentLayerDesc> old = new HashSet<>(before);
        names(o.putArray("removed"), before.stream().filter(d -> !after.contains(d)).toList());
        names(o.putArray("added"), after.stream().filter(d -> !old.contains(d)).sorted(
                java.util.Comparator.comparing(d -> d.name().toString())).toList());
        return o;
    }

    private static void names(ArrayNode a, List<PersistentLayerDesc> layers) {
        layers.forEach(d -> a.add(d.name().toString()));
    }

    /** Neon's {@code LayerMapInfo}, each layer with its key range in hex (for the layer map picture). */
    static ObjectNode layerMapInfo(Timeline t) {
        LayerMap map = t.layers().map();
        ObjectNode o = Json.object();
        ArrayNode mem = o.putArray("in_memory_layers");
        for (InMemoryLayerDesc d : map.frozenLayers()) {
            mem.addObject().put("kind", "Frozen").put("lsn_start", d.lsnStart().toString())
                    .put("lsn_end", d.lsnEnd().toString());
        }
        map.openLayer().ifPresent(d -> mem.addObject().put("kind", "Open").put("lsn_start", d.lsnStart().toString()));
        ArrayNode hist = o.putArray("historic_layers");
        List<PersistentLayerDesc> layers = new java.util.ArrayList<>(map.historicLayers());
        layers.sort(java.util.Comparator.comparing((PersistentLayerDesc d) -> d.lsnStart())
                .thenComparing(d -> d.keyRange().start()));
        for (PersistentLayerDesc d : layers) {
            hist.addObject()
                    .put("kind", d.isDelta() ? "Delta" : "Image")
                    .put("layer_file_name", d.name().toString())
                    .put("layer_file_size", d.fileSize())
                    .put("lsn_start", d.lsnStart().toString())
                    .put("lsn_end", d.lsnEnd().toString())
                    .put("key_start", d.keyRange().start().toString())
                    .put("key_end", d.keyRange().end().toString())
                    .put("l0", d.isL0())
                    .put("visible", t.layerVisibility(d.name())
                            == io.strata.engine.layermap.LayerVisibilityHint.VISIBLE)
                    .put("remote", false);
        }
        return o;
    }

    /** The timeline's info, its write counters, GC state and the engine's compaction queue. */
    private static ObjectNode statistics(ServiceContext ctx, HttpServerRequest req) {
        Tenant tenant = ctx.tenant(req);
        Timeline t = ctx.timeline(req);
        ObjectNode o = TenantRoutes.timelineInfo(tenant.id(), t);
        TimelineStats.Snapshot s = t.stats();
        o.putObject("ingest")
                .put("batches", s.batches()).put("records", s.records()).put("bytes", s.bytes())
                .put("freezes", s.freezes()).put("flushes", s.flushes()).put("flushed_bytes", s.flushedBytes())
                .put("roll_waits", s.rollWaits()).put("frozen_waits", s.frozenWaits()).put("stalls", s.stalls())
                .put("delays", s.delays()).put("l0_layers", s.l0Layers()).put("frozen_layers", s.frozenLayers());
        GcInfo g = t.gcInfo();
        ObjectNode gc = o.putObject("gc");
        gc.put("space_cutoff", g.cutoffs().space().toString());
        g.cutoffs().time().ifPresentOrElse(x -> gc.put("time_cutoff", x.toString()), () -> gc.putNull("time_cutoff"));
        ArrayNode retain = gc.putArray("retain_lsns");
        g.retainLsns().forEach(r -> retain.addObject().put("lsn", r.lsn().toString())
                .put("timeline_id", r.child().toString()));
        ArrayNode leases = gc.putArray("leases");
        g.leases().values().forEach(l -> leases.addObject().put("lsn", l.lsn().toString())
                .put("valid_until", l.validUntil().toString()));
        gc.put("gc_blocked_until", tenant.gcBlockedUntil().toString());
        ctx.engine().compactionScheduler().ifPresent(c -> o.putObject("compaction_scheduler")
                .put("running_jobs", c.runningJobs()).put("queued_jobs", c.queuedJobs()));
        o.put("gc_compaction_queued_jobs", ctx.engine().gcCompactionQueue(t).remainingJobsNum());
        return o;
    }

    /** A boolean query parameter: absent is false, present without a value ({@code ?dry_run}) true. */
    private static boolean flag(HttpServerRequest req, String name) {
        String v = PageRoutes.query(req, name, null);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.isEmpty() || v.equals("true")) {
            return true;
        }
        throw ApiException.badRequest("query parameter '" + name + "' must be true or false, got '" + v + "'");
    }

    private static long longField(ObjectNode o, String field, long dflt) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
            throw ApiException.badRequest("\"" + field + "\" must be a non-negative integer");
        }
        return n.asLong();
    }

    /** Neon's {@code compact_key_range} ({@code {"start","end"}} in the body) or the query form {@code START-END}. */
    private static Optional<CompactKeyRange> keyRange(ObjectNode body, HttpServerRequest req) {
        String[] r = range(body, req, "compact_key_range");
        if (r == null) {
            return Optional.empty();
        }
        Key start = Json.key(r[0], "compact_key_range start");
        Key end = Json.key(r[1], "compact_key_range end");
        try {
            return Optional.of(new CompactKeyRange(start, end));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("compact_key_range: " + e.getMessage());
        }
    }

    private static Optional<CompactLsnRange> lsnRange(ObjectNode body, HttpServerRequest req) {
        String[] r = range(body, req, "compact_lsn_range");
        if (r == null) {
            return Optional.empty();
        }
        Lsn start = Json.lsn(r[0], "compact_lsn_range start");
        Lsn end = Json.lsn(r[1], "compact_lsn_range end");
        try {
            return Optional.of(new CompactLsnRange(start, end));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("compact_lsn_range: " + e.getMessage());
        }
    }

    private static String[] range(ObjectNode body, HttpServerRequest req, String name) {
        JsonNode n = body.get(name);
        if (n != null && !n.isNull()) {
            if (!n.isObject() || Json.text(n, "start") == null || Json.text(n, "end") == null) {
                throw ApiException.badRequest("\"" + name + "\" must be {\"start\": ..., \"end\": ...}");
            }
            return new String[] {Json.text(n, "start"), Json.text(n, "end")};
        }
        String q = PageRoutes.query(req, name, null);
        if (q == null) {
            return null;
        }
        int dash = q.indexOf('-');
        if (dash <= 0 || dash == q.length() - 1) {
            throw ApiException.badRequest(name + " must be START-END, got '" + q + "'");
        }
        return new String[] {q.substring(0, dash), q.substring(dash + 1)};
    }
}
