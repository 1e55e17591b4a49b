package io.strata.examples.service;

import reactor.netty.http.server.HttpServerRoutes;

/** A set of HTTP routes of {@code strata serve}; see {@link ServiceRoutes} for how groups are put together. */
@FunctionalInterface
public interface RouteGroup {
    /** Adds this group's routes to {@code routes}, handled with {@code ctx} (wrap handlers with {@link Api}). */
    void register(HttpServerRoutes routes, ServiceContext ctx);
}
