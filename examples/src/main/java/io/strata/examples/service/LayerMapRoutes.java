package io.strata.examples.service;

import io.strata.engine.key.TenantId;
import io.strata.engine.timeline.Timeline;
import io.strata.examples.layermap.LayerMapInfo;
import io.strata.examples.layermap.LayerMapPage;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The layer map picture of {@code strata serve}: {@code GET /ui/tenant/{t}/timeline/{l}} is the live page
 * ({@link LayerMapPage#live}), which draws {@code GET /v1/tenant/{t}/timeline/{l}/layer_map} ({@link LayerMapInfo})
 * and fetches it again every two seconds, so it follows flushes and compaction. The JSON is computed from one layer
 * map snapshot with the layer visibility recomputed first (no file is read).
 */
public final class LayerMapRoutes implements RouteGroup {
    /** How often the page fetches the map again. */
    static final Duration REFRESH = Duration.ofSeconds(2);

    @Override
    public void register(HttpServerRoutes routes, ServiceContext ctx) {
        Api api = ctx.api();
        routes.get("/v1/tenant/{tenantId}/timeline/{timelineId}/layer_map", api.json("layer_map", req -> {
            TenantId tenant = ctx.tenant(req).id();
            Timeline t = ctx.timeline(req);
            t.updateLayerVisibility();
            return Mono.just(new Reply(200, Reply.JSON, LayerMapInfo.of(tenant, t).toJson()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }));
        routes.get("/ui", api.json("layer_map_index", req -> Mono.just(Reply.text("text/html; charset=utf-8",
                index(ctx)))));
        routes.get("/ui/tenant/{tenantId}/timeline/{timelineId}", api.json("layer_map_page", req -> {
            Timeline t = ctx.timeline(req); // 404 for an unknown tenant or timeline
            String data = "/v1/tenant/" + ctx.tenant(req).id() + "/timeline/" + t.id() + "/layer_map";
            return Mono.just(Reply.text("text/html; charset=utf-8", LayerMapPage.live(data, REFRESH)));
        }));
    }

    /** {@code /ui}: a link to every timeline's picture (ids are hex, nothing to escape). */
    static String index(ServiceContext ctx) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Strata layer "
                + "maps</title></head><body><h1>Strata layer maps</h1><ul>");
        int n = 0;
        for (var tenant : ctx.engine().tenants()) {
            for (Timeline t : tenant.timelines()) {
                String path = "/ui/tenant/" + tenant.id() + "/timeline/" + t.id();
                sb.append("<li><a href=\"").append(path).append("\">tenant ").append(tenant.id()).append(" timeline ")
                        .append(t.id()).append("</a></li>");
                n++;
            }
        }
        sb.append("</ul>");
        if (n == 0) {
            sb.append("<p>No timeline yet: create one with <code>POST /v1/tenant</code> and "
                    + "<code>POST /v1/tenant/{tenant}/timeline</code>, then reload.</p>");
        }
        return sb.append("</body></html>").toString();
    }
}
