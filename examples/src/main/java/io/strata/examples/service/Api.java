package io.strata.examples.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Wraps the API's handlers: counts requests in flight (so shutdown can wait for them), refuses new ones with 503
 * once draining, turns every error into a status and Neon's {@code {"msg"}} body, reads bodies with a size limit, and
 * times each request by route and status.
 */
public final class Api {
    private static final Logger log = LoggerFactory.getLogger(Api.class);
    private final InFlight inFlight;
    private final MeterRegistry registry;

    Api(InFlight inFlight, MeterRegistry registry) {
        this.inFlight = inFlight;
        this.registry = registry;
    }

    /** A handler whose whole response is computed first: errors before the reply become JSON errors. */
    public BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> json(
            String route, Function<HttpServerRequest, Mono<Reply>> handler) {
        return (req, res) -> {
            if (!inFlight.enter()) {
                return send(res, route, new Reply(503, Reply.JSON, Json.error("shutting down")), System.nanoTime());
            }
            long start = System.nanoTime();
            return Mono.defer(() -> handler.apply(req))
                    .switchIfEmpty(Mono.fromSupplier(() -> new Reply(204, Reply.JSON, new byte[0])))
                    .onErrorResume(e -> Mono.just(errorReply(route, req, e)))
                    .flatMap(r -> Mono.from(send(res, route, r, start)))
                    .doFinally(s -> inFlight.exit());
        };
    }

    /**
     * A handler that streams: {@code handler} prepares the stream (errors there are JSON errors); once the first
     * byte is sent, an error ends the stream with one line {@code {"msg": ...}} (the status was sent already). The
     * stream is written as the client reads it: Reactor Netty requests more only while the connection is writable.
     */
    public BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> stream(
            String route, String contentType, Function<HttpServerRequest, Mono<Flux<String>>> handler) {
        return (req, res) -> {
            if (!inFlight.enter()) {
                return send(res, route, new Reply(503, Reply.JSON, Json.error("shutting down")), System.nanoTime());
            }
            long start = System.nanoTime();
            return Mono.defer(() -> handler.apply(req))
                    .flatMap(lines -> Mono.from(res.status(200)
                            .header(HttpHeaderNames.CONTENT_TYPE, contentType)
                            .sendString(lines.onErrorResume(e -> {
                                log.warn("{} {}: stream ended by {}", req.method(), req.uri(), e.toString());
                                return Mono.just(new String(Json.error(ApiErrors.map(e).getMessage()),
                                        StandardCharsets.UTF_8) + "\n");
                            }), StandardCharsets.UTF_8))
                            .then()
                            .doFinally(s -> timer(route, 200).record(System.nanoTime() - start,
                                    java.util.concurrent.TimeUnit.NANOSECONDS)))
                    .onErrorResume(e -> res.hasSentHeaders() ? Mono.error(e)
                            : Mono.from(send(res, route, errorReply(route, req, e), start)))
                    .doFinally(s -> inFlight.exit());
        };
    }

    /** The request body, at most {@code limit} bytes (413 beyond); empty when there is none. */
    public static Mono<byte[]> body(HttpServerRequest req, long limit) {
        String declared = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    return Mono.error(new ApiException(413, "request body of " + declared + " bytes is above the "
                            + "limit of " + limit + " bytes"));
                }
            } catch (NumberFormatException e) {
                return Mono.error(ApiException.badRequest("bad Content-Length: " + declared));
            }
        }
        // chunks are copied out as they arrive (Reactor Netty releases each buffer), counted against the limit
        return req.receive().asByteArray()
                .reduceWith(java.io.ByteArrayOutputStream::new, (out, chunk) -> {
                    if (out.size() + (long) chunk.length > limit) {
                        throw new ApiException(413, "request body is above the limit of " + limit + " bytes");
                    }
                    out.write(chunk, 0, chunk.length);
                    return out;
                })
                .map(java.io.ByteArrayOutputStream::toByteArray)
                .defaultIfEmpty(new byte[0]);
    }

    private Reply errorReply(String route, HttpServerRequest req, Throwable e) {
        ApiException a = ApiErrors.map(e);
        if (a.status() == 500) {
            log.warn("{} {} failed: {}", req.method(), req.uri(), e.toString(), e);
        } else {
            log.debug("{} {}: {} {}", req.method(), req.uri(), a.status(), a.getMessage());
        }
        return new Reply(a.status(), Reply.JSON, Json.error(a.getMessage()));
    }

    private Publisher<Void> send(HttpServerResponse res, String route, Reply r, long start) {
        return res.status(r.status())
                .header(HttpHeaderNames.CONTENT_TYPE, r.contentType())
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(r.body().length))
                .sendByteArray(Mono.just(r.body()))
                .then()
                .doFinally(s -> timer(route, r.status()).record(System.nanoTime() - start,
                        java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    private Timer timer(String route, int status) {
        return Timer.builder("strata_http_requests").description("HTTP requests by route and status")
                .tag("route", route).tag("status", Integer.toString(status)).register(registry);
    }
}
