package io.strata.examples.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.KeySpaceCollector;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import reactor.netty.http.server.HttpServerRequest;

/** What the route groups share: the engine, settings, metrics, per-timeline helpers, and request lookups. */
public final class ServiceContext {
    private final StrataEngine engine;
    private final ServiceConfig config;
    private final PrometheusMeterRegistry registry;
    private final Api api;
    private final InFlight inFlight;
    private final AlignedBufferPool compactionPool;
    private volatile String httpTransport = "not bound";
    private final long startedAt = System.currentTimeMillis();
    /** Image creation keeps state per timeline (partitioning, where the last run stopped), as in the scheduler. */
    private final Map<Timeline, ImageLayerCreation> imageCreation = Collections.synchronizedMap(new WeakHashMap<>());
    /** Each timeline's cached layer key lists, for range reads. */
    private final Map<Timeline, KeySpaceCollector> keySpaces = Collections.synchronizedMap(new WeakHashMap<>());
    final Counter recordsIngested;
    final Counter pagesRead;
    final Counter pagesStreamed;

    ServiceContext(StrataEngine engine, ServiceConfig config, PrometheusMeterRegistry registry, InFlight inFlight,
                   AlignedBufferPool compactionPool) {
        this.engine = engine;
        this.config = config;
        this.registry = registry;
        this.inFlight = inFlight;
        this.compactionPool = compactionPool;
        this.api = new Api(inFlight, registry);
        this.recordsIngested = Counter.builder("strata_ingested_records").description("records ingested")
                .register(registry);
        this.pagesRead = Counter.builder("strata_pages_read").description("pages returned by page requests")
                .register(registry);
        this.pagesStreamed = Counter.builder("strata_pages_streamed")
                .description("pages handed to the connection by range reads").register(registry);
    }

    public StrataEngine engine() {
        return engine;
    }

    public ServiceConfig config() {
        return config;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public Api api() {
        return api;
    }

    int inFlight() {
        return inFlight.count();
    }

    String httpTransport() {
        return httpTransport;
    }

    void httpTransport(String t) {
        httpTransport = t;
    }

    long startedAtMillis() {
        return startedAt;
    }

    AlignedBufferPool compactionPool() {
        return compactionPool;
    }

    ImageLayerCreation imageCreation(Timeline t) {
        return imageCreation.computeIfAbsent(t, x -> new ImageLayerCreation(x, config.imageCreationConfig()));
    }

    KeySpaceCollector keySpaces(Timeline t) {
        return keySpaces.computeIfAbsent(t, x -> new KeySpaceCollector());
    }

    /** The {@code tenant_id} path parameter (400 when not 32 hex digits). */
    public static TenantId tenantId(HttpServerRequest req) {
        String s = req.param("tenantId");
        try {
            return TenantId.parse(s);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("bad tenant id '" + s + "': " + e.getMessage());
        }
    }

    /** The {@code timeline_id} path parameter (400 when not 32 hex digits). */
    public static TimelineId timelineId(HttpServerRequest req) {
        return parseTimelineId(req.param("timelineId"), "timeline id");
    }

    static TimelineId parseTimelineId(String s, String what) {
        try {
            return TimelineId.parse(s);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("bad " + what + " '" + s + "': " + e.getMessage());
        }
    }

    /** The tenant of the request's path (404 when unknown). */
    public Tenant tenant(HttpServerRequest req) {
        TenantId id = tenantId(req);
        return engine.tenant(id).orElseThrow(() -> ApiException.notFound("tenant " + id + " not found"));
    }

    /** The timeline of the request's path (404 when the tenant or the timeline is unknown). */
    public Timeline timeline(HttpServerRequest req) {
        Tenant tenant = tenant(req);
        TimelineId id = timelineId(req);
        return tenant.timeline(id).orElseThrow(() -> ApiException.notFound("timeline " + tenant.id() + "/" + id
                + " not found"));
    }
}
