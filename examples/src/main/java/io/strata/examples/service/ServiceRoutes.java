package io.strata.examples.service;

import java.util.ArrayList;
import java.util.List;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The route groups of {@code strata serve}, in registration order, and a JSON 404 for everything else. This is the
 * hook for more groups (the layer map picture under {@code /ui/...}, for one): {@link #add} them before the service
 * starts.
 */
public final class ServiceRoutes {
    private final List<RouteGroup> groups = new ArrayList<>();

    /** The API: tenants and timelines, pages, compaction and GC, status and metrics. */
    public static ServiceRoutes api() {
        return new ServiceRoutes()
                .add(new TenantRoutes())
                .add(new PageRoutes())
                .add(new MaintenanceRoutes())
                .add(new StatusRoutes())
                .add(new LayerMapRoutes());
    }

    public ServiceRoutes add(RouteGroup group) {
        groups.add(group);
        return this;
    }

    void registerAll(HttpServerRoutes routes, ServiceContext ctx) {
        for (RouteGroup g : groups) {
            g.register(routes, ctx);
        }
        routes.route(req -> true, ctx.api().json("unknown", req -> {
            throw ApiException.notFound("no route for " + req.method() + " " + req.fullPath());
        }));
    }
}
