package io.strata.examples.service;

import io.strata.engine.tenant.Tenant;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRoutes;

/** {@code GET /v1/status} (what runs where) and {@code GET /metrics} (Prometheus text format). */
final class StatusRoutes implements RouteGroup {
    @Override
    public void register(HttpServerRoutes routes, ServiceContext ctx) {
        Api api = ctx.api();
        routes.get("/v1/status", api.json("status", req -> {
            int timelines = 0;
            for (Tenant t : ctx.engine().tenants()) {
                timelines += t.timelines().size();
            }
            return Mono.just(Reply.ok(Json.object()
                    .put("version", StrataService.VERSION)
                    .put("data_dir", ctx.engine().dataDirectory().toString())
                    .put("io_engine", ctx.engine().ioEngine().describe())
                    .put("http_transport", ctx.httpTransport())
                    .put("tenants", ctx.engine().tenants().size())
                    .put("timelines", timelines)
                    .put("requests_in_flight", ctx.inFlight() - 1) // not counting this one
                    .put("uptime_ms", System.currentTimeMillis() - ctx.startedAtMillis())));
        }));
        routes.get("/metrics", api.json("metrics", req -> Mono.just(Reply.text(
                "text/plain; version=0.0.4; charset=utf-8", ctx.registry().scrape()))));
    }
}
