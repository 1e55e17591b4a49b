package io.strata.examples.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where {@code strata compact}, {@code gc} and friends send their request: a running service ({@code --url}), or a
 * data directory ({@code --data}), which gets a private service on a loopback port for the one request (engine
 * opened, request run, engine flushed and shut down), so both ways run the same code.
 */
public final class ServiceTarget implements AutoCloseable {
    /** The command-line options that pick the target. */
    public static final class Options {
        @Option(names = "--url", description = "A running strata serve, e.g. http://127.0.0.1:7878/.")
        String url;

        @Option(names = "--data", description = "A data directory to open directly (no service may be running on "
                + "it; default: strata-data).")
        Path data;

        @Option(names = "--config", description = "YAML configuration for --data (as strata serve --config).")
        Path config;
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final StrataService local;

    private ServiceTarget(String base, StrataService local) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.local = local;
    }

    /** Connects to {@code --url}, or opens {@code --data} without background compaction and without GC's grace. */
    public static ServiceTarget open(Options o) throws Exception {
        if (o.url != null) {
            if (o.data != null || o.config != null) {
                throw new IllegalArgumentException("--url and --data/--config exclude each other");
            }
            return new ServiceTarget(o.url, null);
        }
        // Background compaction off: the command does what it was asked, nothing else. GC's wait after a start
        // is for clients to renew leases; no client can hold one on a directory no service runs on.
        ServiceConfig c = ServiceConfig.load(o.config, Map.of(
                "data_dir", (o.data == null ? Path.of(ServiceConfig.defaults().dataDir) : o.data).toString(),
                "listen_host", "127.0.0.1", "listen_port", "0", "compaction_enabled", "false",
                "lsn_lease_length_seconds", "0"));
        StrataService s = StrataService.start(c, ServiceRoutes.api());
        return new ServiceTarget(s.url(), s);
    }

    /**
     * Sends the request and returns the JSON answer.
     *
     * @throws IllegalStateException with the status and the service's message on anything but 2xx
     */
    public JsonNode call(String method, String path, String jsonBody) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofHours(6))
                .header("Content-Type", "application/json")
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody));
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode body = r.body().isEmpty() ? Json.object() : Json.MAPPER.readTree(r.body());
        if (r.statusCode() / 100 != 2) {
            JsonNode msg = body.get("msg");
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " "
                    + (msg == null ? r.body() : msg.asText()));
        }
        return body;
    }

    @Override
    public void close() {
        if (local != null) {
            local.shutdown(Duration.ofSeconds(30)).block(Duration.ofMinutes(10));
        }
    }
}
