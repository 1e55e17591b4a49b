package io.strata.perf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code strata-perf service}: a load generator against a running {@code strata serve}. It creates a tenant and a
 * timeline, ingests {@code --keys} pages in {@code --versions} versions through the HTTP API (flushed to layers),
 * then runs {@code --clients} closed-loop clients, each sending get-page requests for a random key at a random
 * version's LSN and waiting for the answer before the next; every answer is checked byte for byte. Prints the
 * throughput and latency percentiles (p50, p99, p99.9) and one JSON line.
 */
@Command(name = "service", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load generator against a running 'strata serve': concurrent clients reading pages at random "
                + "LSNs over HTTP; prints requests/s and latency percentiles.")
final class ServiceCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "the service, e.g. http://127.0.0.1:7878/")
    URI url;

    @Option(names = "--keys", defaultValue = "4096", paramLabel = "N", description = "pages (default: ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--versions", defaultValue = "4", paramLabel = "N",
            description = "versions of every page, each at its own LSN, each flushed (default: ${DEFAULT-VALUE})")
    int versions;

    @Option(names = "--page-size", defaultValue = "8192", paramLabel = "BYTES",
            description = "page image size (default: ${DEFAULT-VALUE})")
    int pageSize;

    @Option(names = "--clients", defaultValue = "1,16,64", split = ",", paramLabel = "N",
            description = "concurrent clients, one run per value (default: ${DEFAULT-VALUE})")
    List<Integer> clients;

    @Option(names = "--seconds", defaultValue = "10", paramLabel = "S",
            description = "measured seconds per run (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "2", paramLabel = "S",
            description = "unmeasured seconds before each run (default: ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    /** One run's figures. */
    record Run(int clients, long requests, long errors, double seconds, Histogram latencies) {
        double perSecond() {
            return requests / seconds;
        }

        double us(double percentile) {
            return latencies.getTotalCount() == 0 ? 0 : latencies.getValueAtPercentile(percentile) / 1e3;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (keys < 1 || versions < 1 || pageSize < 16 || seconds < 1 || warmupSeconds < 0 || clients.isEmpty()
                || clients.stream().anyMatch(c -> c < 1)) {
            throw new ParameterException(spec.commandLine(), "--keys, --versions, --seconds and --clients must be "
                    + "positive, --page-size at least 16");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String base = url.toString().endsWith("/") ? url.toString() : url + "/";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).build();
        SplittableRandom rnd = new SplittableRandom(seed);
        String tenant = HexFormat.of().formatHex(randomBytes(rnd, 16));
        String timeline = HexFormat.of().formatHex(randomBytes(rnd, 16));
        String tl = base + "v1/tenant/" + tenant + "/timeline/" + timeline;
        send(http, "POST", base + "v1/tenant", "{\"new_tenant_id\":\"" + tenant + "\"}", 201);
        send(http, "POST", base + "v1/tenant/" + tenant + "/timeline", "{\"new_timeline_id\":\"" + timeline
                + "\"}", 201);

        long started = System.nanoTime();
        Lsn[] lsns = new Lsn[versions];
        long lsn = 0x1000;
        for (int v = 0; v < versions; v++) {
            // one version of every page per batch of requests, flushed: each version becomes layers
            int perRequest = Math.max(1, (4 << 20) / (pageSize * 4 / 3 + 100));
            for (int from = 0; from < keys; from += perRequest) {
                StringBuilder body = new StringBuilder();
                int to = Math.min(keys, from + perRequest);
                for (int k = from; k < to; k++) {
                    lsn += 8;
                    body.append("{\"key\":\"").append(key(k)).append("\",\"lsn\":\"").append(Lsn.of(lsn))
                            .append("\",\"image\":\"").append(Base64.getEncoder().encodeToString(page(k, v, pageSize)))
                            .append("\"}\n");
                }
                boolean last = to == keys;
                send(http, "POST", tl + "/ingest" + (last ? "?flush=true" : ""), body.toString(), 200);
            }
            lsns[v] = Lsn.of(lsn);
            err.printf(Locale.ROOT, "ingested version %d/%d of %d pages (up to %s)%n", v + 1, versions, keys, lsns[v]);
            err.flush();
        }
        double ingestSeconds = (System.nanoTime() - started) / 1e9;

        List<Run> runs = new java.util.ArrayList<>();
        for (int c : clients) {
            if (warmupSeconds > 0) {
                load(http, tl, c, Duration.ofSeconds(warmupSeconds), lsns, rnd.split());
            }
            Run r = load(http, tl, c, Duration.ofSeconds(seconds), lsns, rnd.split());
            runs.add(r);
            err.printf(Locale.ROOT, "%d clients: %.0f requests/s, p99 %.0f us%n", c, r.perSecond(), r.us(99));
            err.flush();
            if (r.errors > 0) {
                throw new IllegalStateException(r.errors + " requests failed or returned a wrong page with " + c
                        + " clients (see above)");
            }
        }

        out.printf(Locale.ROOT, "service %s: %d pages x %d versions of %d bytes (ingested in %.1f s)%n", base, keys,
                versions, pageSize, ingestSeconds);
        out.printf(Locale.ROOT, "%8s %10s %12s %10s %10s %10s %10s%n", "clients", "requests", "requests/s",
                "p50 us", "p99 us", "p99.9 us", "max us");
        for (Run r : runs) {
            out.printf(Locale.ROOT, "%8d %10d %12.0f %10.0f %10.0f %10.0f %10.0f%n", r.clients, r.requests,
                    r.perSecond(), r.us(50), r.us(99), r.us(99.9), r.latencies.getMaxValue() / 1e3);
        }
        ObjectNode root = MAPPER.createObjectNode();
        root.put("benchmark", "service");
        root.put("url", base);
        root.put("keys", keys);
        root.put("versions", versions);
        root.put("page_bytes", pageSize);
        root.put("ingest_seconds", ingestSeconds);
        root.put("seconds", seconds);
        var results = root.putArray("results");
        for (Run r : runs) {
            ObjectNode o = results.addObject();
            o.put("clients", r.clients);
            o.put("requests", r.requests);
            o.put("requests_per_s", r.perSecond());
            o.put("p50_us", r.us(50));
            o.put("p99_us", r.us(99));
            o.put("p999_us", r.us(99.9));
            o.put("max_us", r.latencies.getMaxValue() / 1e3);
            o.put("errors", r.errors);
        }
        out.println(MAPPER.writeValueAsString(root));
        out.flush();
        return 0;
    }

    /** {@code clients} closed-loop clients for {@code duration}; each request's page is checked. */
    private Run load(HttpClient http, String tl, int clients, Duration duration, Lsn[] lsns, SplittableRandom rnd)
            throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        Histogram latencies = new Histogram(1, LatencyRecorder.HIGHEST_NANOS, 3);
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(clients);
        long started = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            new Client(this, http, tl, lsns, rnd.split(), end, latencies, requests, errors, firstError, done).next();
        }
        done.await();
        double secs = (System.nanoTime() - started) / 1e9;
        if (firstError.get() != null) {
            System.err.println("first failure: " + firstError.get());
        }
        return new Run(clients, requests.get(), errors.get(), secs, latencies);
    }

    /** One closed-loop client: the next request is sent when the answer to the previous one arrived. */
    private static final class Client {
        private final ServiceCommand cmd;
        private final HttpClient http;
        private final String tl;
        private final Lsn[] lsns;
        private final SplittableRandom rnd;
        private final long end;
        private final Histogram latencies;
        private final AtomicLong requests;
        private final AtomicLong errors;
        private final AtomicReference<String> firstError;
        private final CountDownLatch done;

        Client(ServiceCommand cmd, HttpClient http, String tl, Lsn[] lsns, SplittableRandom rnd, long end,
               Histogram latencies, AtomicLong requests, AtomicLong errors, AtomicReference<String> firstError,
               CountDownLatch done) {
            this.cmd = cmd;
            this.http = http;
            this.tl = tl;
            this.lsns = lsns;
            this.rnd = rnd;
            this.end = end;
            this.latencies = latencies;
            this.requests = requests;
            this.errors = errors;
            this.firstError = firstError;
            this.done = done;
        }

        void next() {
            if (System.nanoTime() >= end) {
                done.countDown();
                return;
            }
            int k = rnd.nextInt(cmd.keys);
            int v = rnd.nextInt(lsns.length);
            // version v of key k is read from the end of version v's batch until key k's next version (written
            // 8 * (k + 1) above it); the last version at the last record LSN (a higher LSN would wait for WAL)
            long lo = lsns[v].value();
            Lsn at = v + 1 < lsns.length ? Lsn.of(lo + rnd.nextLong(8L * (k + 1))) : lsns[v];
            HttpRequest req = HttpRequest.newBuilder(URI.create(tl + "/page?key=" + key(k) + "&lsn=" + at))
                    .timeout(Duration.ofSeconds(30)).GET().build();
            long t0 = System.nanoTime();
            CompletableFuture<HttpResponse<byte[]>> f = http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray());
            f.whenComplete((resp, e) -> {
                long nanos = System.nanoTime() - t0;
                synchronized (latencies) {
                    latencies.recordValue(Math.max(1, Math.min(nanos, LatencyRecorder.HIGHEST_NANOS)));
                }
                requests.incrementAndGet();
                if (e != null) {
                    fail("key " + key(k) + " at " + at + ": " + e);
                } else if (resp.statusCode() != 200) {
                    fail("key " + key(k) + " at " + at + ": HTTP " + resp.statusCode() + " "
                            + new String(resp.body(), StandardCharsets.UTF_8));
                } else if (!Arrays.equals(page(k, v, cmd.pageSize), resp.body())) {
                    fail("key " + key(k) + " at " + at + ": wrong page (expected version " + v + ")");
                }
                next();
            });
        }

        private void fail(String what) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, what);
        }
    }

    static String key(int k) {
        return new Key(0, 1663, 5, 16384, 0, k).toString();
    }

    /** Version {@code v} of page {@code k}: its name, then a pattern that depends on both. */
    static byte[] page(int k, int v, int size) {
        byte[] head = ("page " + k + " version " + v + ";").getBytes(StandardCharsets.UTF_8);
        byte[] b = Arrays.copyOf(head, Math.max(size, head.length));
        for (int i = head.length; i < b.length; i++) {
            b[i] = (byte) ('a' + (k * 31 + v * 7 + i) % 26);
        }
        return b;
    }

    private static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private static void send(HttpClient http, String method, String uri, String body, int expected)
            throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofMinutes(5))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != expected) {
            throw new IllegalStateException(method + " " + uri + ": HTTP " + resp.statusCode() + " " + resp.body());
        }
    }
}
