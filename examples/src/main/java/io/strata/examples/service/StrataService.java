package io.strata.examples.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.Timeline;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.Alignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * {@code strata serve}: an embedded {@link StrataEngine} behind Reactor Netty's HTTP server (on io_uring when Netty
 * can use it, else epoll or NIO: {@link #httpTransport()} says which). {@link #shutdown} stops accepting, lets the
 * requests in flight finish (bounded), closes the connections and shuts the engine down with
 * {@link ShutdownMode#FREEZE_AND_FLUSH}, so everything ingested is durable.
 */
public final class StrataService {
    public static final String VERSION = "strata 0.1.0";
    private static final Logger log = LoggerFactory.getLogger(StrataService.class);

    private final StrataEngine engine;
    private final DisposableServer server;
    private final ChannelGroup connections;
    private final PrometheusMeterRegistry registry;
    private final InFlight inFlight;
    private final ServiceContext context;
    private final ServiceConfig config;
    private final AtomicReference<Mono<Void>> stopping = new AtomicReference<>();

    private StrataService(StrataEngine engine, DisposableServer server, ChannelGroup connections,
                          PrometheusMeterRegistry registry, InFlight inFlight, ServiceContext context,
                          ServiceConfig config) {
        this.engine = engine;
        this.server = server;
        this.connections = connections;
        this.registry = registry;
        this.inFlight = inFlight;
        this.context = context;
        this.config = config;
    }

    /**
     * Opens the engine over {@code config.dataDir} and binds the HTTP server. Blocks (call it from a plain thread,
     * as the command line does); fails with the cause if the engine cannot open or the port cannot be bound, leaving
     * nothing running.
     */
    public static StrataService start(ServiceConfig config, ServiceRoutes routes) throws Exception {
        EngineConfig engineConfig = config.toEngineConfig();
        Path dataDir = config.dataDirectory().toAbsolutePath();
        Files.createDirectories(dataDir);
        StrataEngine engine = StrataEngine.open(dataDir, engineConfig).block(Duration.ofMinutes(10));
        try {
            CompactionConfig cc = engineConfig.compaction();
            int alignment = Math.max(engineConfig.io().alignment(), Alignment.forDirectory(dataDir));
            AlignedBufferPool compactionPool = new AlignedBufferPool(Math.max(cc.bufferSize(), alignment),
                    cc.buffers(), alignment);
            engine.ioEngine().adviseHugePages(compactionPool).block(Duration.ofMinutes(1)); // as the engine's pools
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registerGauges(registry, engine);
            InFlight inFlight = new InFlight();
            ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
            ServiceContext context = new ServiceContext(engine, config, registry, inFlight, compactionPool);
            DisposableServer server = HttpServer.create()
                    .host(config.listenHost)
                    .port(config.listenPort)
                    .channelGroup(connections)
                    .route(r -> routes.registerAll(r, context))
                    .bindNow(Duration.ofSeconds(30));
            String transport = server.channel().getClass().getSimpleName();
            context.httpTransport(transport);
            log.info("HTTP transport {}, io engine {}", transport, engine.ioEngine().describe());
            return new StrataService(engine, server, connections, registry, inFlight, context, config);
        } catch (Exception | Error e) {
            engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH).block(Duration.ofMinutes(5));
            throw e;
        }
    }

    private static void registerGauges(PrometheusMeterRegistry registry, StrataEngine engine) {
        gauge(registry, "strata_tenants", "tenants", engine, e -> e.tenants().size());
        gauge(registry, "strata_timelines", "timelines", engine, e -> sum(e, t -> 1));
        gauge(registry, "strata_historic_layers", "image and delta layer files", engine,
                e -> sum(e, t -> t.layers().map().historicLayerCount()));
        gauge(registry, "strata_l0_layers", "L0 delta layers", engine,
                e -> sum(e, t -> t.layers().map().level0Deltas().size()));
        gauge(registry, "strata_layer_bytes", "bytes of image and delta layer files", engine,
                e -> sum(e, TenantRoutes::physicalSize));
    }

    private static void gauge(PrometheusMeterRegistry r, String name, String description, StrataEngine engine,
                              ToDoubleFunction<StrataEngine> f) {
        Gauge.builder(name, engine, f).description(description).register(r);
    }

    private static double sum(StrataEngine e, ToDoubleFunction<Timeline> f) {
        double s = 0;
        for (Tenant tenant : e.tenants()) {
            for (Timeline t : tenant.timelines()) {
                s += f.applyAsDouble(t);
            }
        }
        return s;
    }

    /** The port the server listens on (the bound one when configured as 0). */
    public int port() {
        return ((java.net.InetSocketAddress) server.address()).getPort();
    }

    /** {@code http://host:port/}. */
    public String url() {
        String host = config.listenHost.contains(":") ? "[" + config.listenHost + "]" : config.listenHost;
        return "http://" + host + ":" + port() + "/";
    }

    /** The Netty server channel class: {@code IoUringServerSocketChannel}, {@code EpollServerSocketChannel}, ... */
    public String httpTransport() {
        return context.httpTransport();
    }

    public StrataEngine engine() {
        return engine;
    }

    public ServiceContext context() {
        return context;
    }

    /**
     * Stops accepting connections, answers 503 to new requests on open ones, waits up to {@code drainTimeout} for
     * the requests in flight, closes the connections, and shuts the engine down flushing everything ingested.
     * Idempotent: later calls complete with the first.
     */
    public Mono<Void> shutdown(Duration drainTimeout) {
        Mono<Void> m = Mono.defer(() -> {
            log.info("stopping: no new connections, waiting up to {} for {} requests in flight", drainTimeout,
                    inFlight.count());
            return Mono.fromFuture(() -> toCompletable(server.channel().close()))
                    .then(inFlight.drain(drainTimeout))
                    .doOnNext(done -> {
                        if (!done) {
                            log.warn("{} requests still in flight after {}: closing their connections", inFlight.count(),
                                    drainTimeout);
                        }
                    })
                    .then(Mono.fromFuture(() -> toCompletable(connections.close())))
                    .then(engine.shutdown(ShutdownMode.FREEZE_AND_FLUSH))
                    .doFinally(s -> {
                        registry.close();
                        log.info("stopped: every timeline flushed");
                    });
        }).cache();
        return stopping.compareAndSet(null, m) ? m : stopping.get();
    }

    private static java.util.concurrent.CompletableFuture<Void> toCompletable(io.netty.util.concurrent.Future<?> f) {
        java.util.concurrent.CompletableFuture<Void> c = new java.util.concurrent.CompletableFuture<>();
        f.addListener(x -> {
            if (x.isSuccess()) {
                c.complete(null);
            } else {
                c.completeExceptionally(x.cause());
            }
        });
        return c;
    }
}
