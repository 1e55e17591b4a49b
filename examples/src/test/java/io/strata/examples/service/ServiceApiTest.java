package io.strata.examples.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.engine.key.Key;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over real connections on loopback: routes, errors, atomic ingest, concurrency, backpressure. */
class ServiceApiTest {
    static final String T = "1234567890abcdef1234567890abcdef";
    static final String L = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static final String TL = "/v1/tenant/" + T + "/timeline/" + L;
    private static final Duration STOP = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private StrataService service;
    private HttpJson http;

    static ServiceConfig config(Path data, Map<String, String> extra) {
        Map<String, String> o = new HashMap<>(Map.of("data_dir", data.toString(), "listen_port", "0",
                "compaction_enabled", "false", "io_rings", "1", "max_ingest_bytes", Long.toString(4L << 20),
                "wait_lsn_timeout_ms", "1500", "shutdown_timeout_seconds", "20"));
        o.putAll(extra);
        return ServiceConfig.load(null, o);
    }

    @BeforeEach
    void start() throws Exception {
        service = StrataService.start(config(dir.resolve("data"), Map.of()), ServiceRoutes.api());
        http = new HttpJson(service.url());
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.shutdown(Duration.ofSeconds(5)).block(STOP);
        }
    }

    static String key(int i) {
        return Key.fromI128(0, 0x100 + i).toString();
    }

    static String lsn(long v) {
        return Long.toHexString(v >>> 32).toUpperCase() + "/" + Long.toHexString(v & 0xFFFF_FFFFL).toUpperCase();
    }

    static byte[] page(int i, long lsn) {
        return ("page " + i + " at " + lsn).getBytes(StandardCharsets.UTF_8);
    }

    static String line(int i, long lsn, byte[] image) {
        return "{\"key\":\"" + key(i) + "\",\"lsn\":\"" + lsn(lsn) + "\",\"image\":\""
                + Base64.getEncoder().encodeToString(image) + "\"}\n";
    }

    /** Pages 0..n-1 at LSNs from {@code from}, 8 apart; returns the last LSN. */
    static String lines(int n, long from) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(line(i, from + 8L * i, page(i, from + 8L * i)));
        }
        return sb.toString();
    }

    private void createTimeline() throws Exception {
        assertEquals(201, http.post("/v1/tenant", "{\"new_tenant_id\":\"" + T + "\"}").status());
        assertEquals(201, http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + L + "\"}").status());
    }

    private byte[] getPage(int i, long lsn) throws Exception {
        HttpJson.Response r = http.get(TL + "/page?key=" + key(i) + "&lsn=" + lsn(lsn));
        assertEquals(200, r.status(), () -> r.text());
        return r.body();
    }

    @Test
    void tenantsAndTimelinesOnNeonsPaths() throws Exception {
        HttpJson.Response created = http.post("/v1/tenant", "{\"new_tenant_id\":\"" + T + "\"}");
        assertEquals(201, created.status(), created.text());
        assertEquals(T, created.json().asText());
        assertEquals(409, http.post("/v1/tenant", "{\"new_tenant_id\":\"" + T + "\"}").status());
        assertEquals(T, http.get("/v1/tenant").json().get(0).get("id").asText());

        HttpJson.Response tl = http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + L + "\"}");
        assertEquals(201, tl.status(), tl.text());
        assertEquals("0/10", tl.json().get("last_record_lsn").asText());
        assertTrue(tl.json().get("ancestor_timeline_id").isNull());
        HttpJson.Response dup = http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + L + "\"}");
        assertEquals(409, dup.status());
        assertTrue(dup.msg().contains("exists already"), dup.msg());

        assertEquals(200, http.post(TL + "/ingest", lines(3, 0x20)).status());
        String child = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        HttpJson.Response branch = http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + child
                + "\",\"ancestor_timeline_id\":\"" + L + "\",\"ancestor_start_lsn\":\"0/28\"}");
        assertEquals(201, branch.status(), branch.text());
        assertEquals(L, branch.json().get("ancestor_timeline_id").asText());
        assertEquals("0/28", branch.json().get("ancestor_lsn").asText());
        // the child reads its parent below the branch point: page 1 (at 0/28) but not page 2 (at 0/30)
        String childPath = "/v1/tenant/" + T + "/timeline/" + child;
        assertArrayEquals(page(1, 0x28), http.get(childPath + "/page?key=" + key(1)).body());
        assertEquals(404, http.get(childPath + "/page?key=" + key(2)).status());
        assertEquals(2, http.get("/v1/tenant/" + T + "/timeline").json().size());

        HttpJson.Response refused = http.send("DELETE", TL, null);
        assertEquals(412, refused.status(), refused.text());
        assertTrue(refused.msg().contains("child timelines"), refused.msg());
        assertEquals(200, http.send("DELETE", childPath, null).status());
        assertEquals(404, http.get(childPath).status());
        assertEquals(1, http.get("/v1/tenant/" + T + "/timeline").json().size());

        // bad input: 400 naming the problem; unknown things: 404
        assertEquals(400, http.get("/v1/tenant/xyz").status());
        assertTrue(http.get("/v1/tenant/xyz").msg().contains("bad tenant id 'xyz'"));
        assertEquals(404, http.get("/v1/tenant/" + L + "/timeline").status());
        assertEquals(400, http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + child
                + "\",\"colour\":1}").status());
        assertEquals(400, http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + child
                + "\",\"ancestor_timeline_id\":\"" + L + "\",\"ancestor_start_lsn\":\"nope\"}").status());
        assertEquals(404, http.post("/v1/tenant/" + T + "/timeline", "{\"new_timeline_id\":\"" + child
                + "\",\"ancestor_timeline_id\":\"" + child + "\"}").status());
        assertEquals(400, http.post("/v1/tenant/" + T + "/timeline", "[1,2]").status());
        HttpJson.Response noRoute = http.get("/v1/nothing/here");
        assertEquals(404, noRoute.status());
        assertTrue(noRoute.msg().contains("no route for GET /v1/nothing/here"), noRoute.msg());
        assertEquals(404, http.get(TL + "/compact").status(), "compact is a PUT");

        // the tenant's compaction algorithm (Neon's tenant config compaction_algorithm): at creation and updated
        assertEquals("legacy", http.get("/v1/tenant/" + T).json().get("compaction_algorithm").get("kind").asText());
        String t2 = "2222222222222222222222222222222a";
        assertEquals(201, http.post("/v1/tenant", "{\"new_tenant_id\":\"" + t2
                + "\",\"compaction_algorithm\":{\"kind\":\"tiered\"}}").status());
        assertEquals("tiered", http.get("/v1/tenant/" + t2).json().get("compaction_algorithm").get("kind").asText());
        HttpJson.Response updated = http.send("PUT", "/v1/tenant/config", "{\"tenant_id\":\"" + t2
                + "\",\"compaction_algorithm\":{\"kind\":\"legacy\"}}");
        assertEquals(200, updated.status(), updated.text());
        assertEquals("legacy", updated.json().get("compaction_algorithm").get("kind").asText());
        HttpJson.Response badKind = http.send("PUT", "/v1/tenant/config", "{\"tenant_id\":\"" + t2
                + "\",\"compaction_algorithm\":{\"kind\":\"leveled\"}}");
        assertEquals(400, badKind.status(), badKind.text());
        assertTrue(badKind.msg().contains("leveled"), badKind.msg());
        assertEquals(404, http.send("PUT", "/v1/tenant/config", "{\"tenant_id\":\"" + L
                + "\",\"compaction_algorithm\":{\"kind\":\"tiered\"}}").status());
    }

    @Test
    void ingestIsAllOrNothingAndPageReadsAreExact() throws Exception {
        createTimeline();
        HttpJson.Response ok = http.post(TL + "/ingest", lines(50, 0x100));
        assertEquals(200, ok.status(), ok.text());
        assertEquals(50, ok.json().get("records").asInt());
        String last = ok.json().get("last_record_lsn").asText();
        assertEquals(lsn(0x100 + 8 * 49), last);
        for (int i = 0; i < 50; i += 7) {
            assertArrayEquals(page(i, 0x100 + 8L * i), getPage(i, 0x100 + 8L * 49));
        }
        // a second version of page 3, and the shorthand's "value" form and a WAL record are accepted too
        long v2 = 0x1000;
        String wal = "{\"key\":\"" + key(3) + "\",\"lsn\":\"" + lsn(v2) + "\",\"value\":{\"image\":\""
                + Base64.getEncoder().encodeToString(page(3, v2)) + "\"}}\n";
        assertEquals(200, http.post(TL + "/ingest", wal).status());
        assertArrayEquals(page(3, 0x118), getPage(3, 0x118), "the old version below the new LSN");
        assertArrayEquals(page(3, v2), getPage(3, v2));

        // each bad body is refused whole: nothing of it is readable, the last record LSN does not move
        String good = line(7, 0x2000, "new".getBytes(StandardCharsets.UTF_8));
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(good + line(8, 0x2008, page(8, 0)) + "{\"key\":", "ingest line 3: malformed JSON");
        bad.put(good + line(8, 0x1FF0, page(8, 0)), "ingest line 2: LSN 0/1FF0 is below the previous line's");
        bad.put(good + "{\"key\":\"zz\",\"lsn\":\"0/3000\",\"image\":\"AA==\"}", "ingest line 2: \"key\"");
        bad.put(good + "{\"key\":\"" + key(1) + "\",\"lsn\":\"0/g\",\"image\":\"AA==\"}", "ingest line 2: \"lsn\"");
        bad.put(good + "{\"key\":\"" + key(1) + "\",\"lsn\":\"0/3000\",\"image\":\"!!\"}", "ingest line 2");
        bad.put(good + "{\"key\":\"" + key(1) + "\",\"lsn\":\"0/3000\",\"image\":\"AA==\",\"x\":1}",
                "ingest line 2");
        bad.put(line(7, 0x100, page(7, 0)), "0/100"); // at or below the last record LSN: the engine refuses
        for (Map.Entry<String, String> e : bad.entrySet()) {
            HttpJson.Response r = http.post(TL + "/ingest", e.getKey());
            assertEquals(400, r.status(), r.text());
            assertTrue(r.msg().contains(e.getValue()), () -> "'" + r.msg() + "' should contain '" + e.getValue() + "'");
            assertEquals(lsn(v2), http.get(TL).json().get("last_record_lsn").asText(), "nothing applied");
        }
        assertArrayEquals(page(7, 0x100 + 8 * 7), getPage(7, v2));

        HttpJson.Response tooBig = http.post(TL + "/ingest", "x".repeat((4 << 20) + 1));
        assertEquals(413, tooBig.status(), tooBig.text());

        assertEquals(400, http.get(TL + "/page?key=12&lsn=0/100").status());
        assertEquals(400, http.get(TL + "/page?key=" + key(1) + "&lsn=1-2").status());
        HttpJson.Response noKey = http.get(TL + "/page");
        assertEquals(400, noKey.status());
        assertTrue(noKey.msg().contains("missing query parameter 'key'"), noKey.msg());
        assertEquals(404, http.get(TL + "/page?key=" + key(999)).status(), "never written");
        HttpJson.Response future = http.get(TL + "/page?key=" + key(1) + "&lsn=1/0");
        assertEquals(504, future.status(), future.text());
        assertTrue(future.msg().contains("LSN 1/0 not reached"), future.msg());
        assertEquals(404, http.get("/v1/tenant/" + T + "/timeline/" + "c".repeat(32) + "/page?key=" + key(1))
                .status());
    }

    @Test
    void rangeReadsStreamExactPagesAsJsonLines() throws Exception {
        createTimeline();
        assertEquals(200, http.post(TL + "/ingest?flush=true", lines(200, 0x100)).status());
        assertEquals(200, http.post(TL + "/ingest", lines(100, 0x1000)).status()); // newer pages 0..99 in memory
        long at = 0x1000 + 8 * 99;
        List<JsonNode> all = ndjson(http.get(TL + "/pages?start=" + key(0) + "&end=" + key(200)));
        assertEquals(200, all.size());
        for (int i = 0; i < 200; i++) {
            assertEquals(key(i), all.get(i).get("key").asText());
            byte[] want = i < 100 ? page(i, 0x1000 + 8L * i) : page(i, 0x100 + 8L * i);
            assertArrayEquals(want, Base64.getDecoder().decode(all.get(i).get("image").asText()), "page " + i);
        }
        List<JsonNode> old = ndjson(http.get(TL + "/pages?start=" + key(10) + "&end=" + key(20) + "&lsn=0/200"));
        assertEquals(10, old.size());
        assertArrayEquals(page(10, 0x100 + 80), Base64.getDecoder().decode(old.get(0).get("image").asText()));
        assertEquals(5, ndjson(http.get(TL + "/pages?start=" + key(0) + "&end=" + key(200) + "&limit=5")).size());
        assertEquals(0, ndjson(http.get(TL + "/pages?start=" + key(500) + "&end=" + key(600))).size());
        assertEquals(400, http.get(TL + "/pages?start=" + key(5) + "&end=" + key(5)).status());
        assertEquals(400, http.get(TL + "/pages?start=" + key(5)).status());
        assertEquals(504, http.get(TL + "/pages?start=" + key(0) + "&end=" + key(5) + "&lsn=9/0").status());
        assertTrue(lsn(at).equals(http.get(TL).json().get("last_record_lsn").asText()));
    }

    private static List<JsonNode> ndjson(HttpJson.Response r) throws Exception {
        assertEquals(200, r.status(), r.text());
        List<JsonNode> out = new ArrayList<>();
        for (String l : r.text().split("\n")) {
            if (!l.isEmpty()) {
                JsonNode n = Json.MAPPER.readTree(l);
                assertFalse(n.has("msg"), "stream ended with an error: " + l);
                out.add(n);
            }
        }
        return out;
    }

    @Test
    void sixteenConcurrentClientsReadExactPages() throws Exception {
        createTimeline();
        assertEquals(200, http.post(TL + "/ingest?flush=true", lines(300, 0x100)).status());
        assertEquals(200, http.post(TL + "/ingest", lines(150, 0x4000)).status());
        long top = 0x4000 + 8 * 149;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            int client = c;
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int n = 0; n < 20; n++) {
                        int i = (client * 37 + n * 13) % 300;
                        HttpJson.Response r = http.get(TL + "/page?key=" + key(i) + "&lsn=" + lsn(top));
                        assertEquals(200, r.status(), r.text());
                        assertArrayEquals(i < 150 ? page(i, 0x4000 + 8L * i) : page(i, 0x100 + 8L * i), r.body());
                    }
                    if (client % 4 == 0) {
                        assertEquals(300, ndjson(http.get(TL + "/pages?start=" + key(0) + "&end=" + key(300)))
                                .size());
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        JsonNode status = http.get("/v1/status").json();
        assertEquals(0, status.get("requests_in_flight").asInt());
    }

    /**
     * A client that stops reading: the server stops reading pages once the connection's buffers are full (it
     * does not read the range ahead), and goes on when the client does, delivering every page.
     */
    @Test
    void rangeReadFollowsTheClientsPace() throws Exception {
        createTimeline();
        int pages = Integer.getInteger("strata.test.streamPages", 2000);
        byte[] big = new byte[8192];
        new java.util.Random(7).nextBytes(big);
        for (int from = 0; from < pages; from += 300) {
            StringBuilder sb = new StringBuilder();
            for (int i = from; i < Math.min(pages, from + 300); i++) {
                big[0] = (byte) i;
                big[1] = (byte) (i >> 8);
                sb.append(line(i, 0x100 + 8L * i, big));
            }
            assertEquals(200, http.post(TL + "/ingest", sb.toString()).status());
        }
        InetSocketAddress addr = new InetSocketAddress("127.0.0.1", service.port());
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(32 * 1024);
            s.connect(addr, 10_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + TL + "/pages?start=" + key(0) + "&end=" + key(pages) + " HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            in.read(new byte[1024]); // the headers and the first bytes, then the client stops reading
            double before = service.context().pagesStreamed.count();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            double streamed;
            // wait until the server stopped handing pages to the connection (its buffers are full)
            do {
                streamed = service.context().pagesStreamed.count();
                Thread.sleep(500);
            } while (service.context().pagesStreamed.count() != streamed && System.nanoTime() < deadline);
            double paused = service.context().pagesStreamed.count() - before;
            assertTrue(paused < pages * 0.75, "while the client did not read, the server read " + paused + " of "
                    + pages + " pages ahead");
            // now read everything
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int lines = 0;
            String l;
            while ((l = r.readLine()) != null) {
                if (l.startsWith("{\"key\"")) {
                    lines++;
                } else {
                    assertFalse(l.startsWith("{\"msg\""), l);
                }
            }
            // the first line may have been split by the partial read above
            assertTrue(lines >= pages - 1, lines + " of " + pages + " pages");
            System.out.printf("range read: %d pages handed to the connection while the client paused (of %d)%n",
                    (long) paused, pages);
        }
    }

    @Test
    void compactionGcLeasesLayerMapAndMetrics() throws Exception {
        createTimeline();
        for (int round = 0; round < 4; round++) {
            assertEquals(200, http.post(TL + "/ingest?flush=true", lines(100, 0x1000L * (round + 1))).status());
        }
        long top = 0x4000 + 8 * 99;
        JsonNode layers = http.get(TL + "/layer").json();
        assertEquals(4, layers.get("historic_layers").size());
        assertTrue(layers.get("historic_layers").get(0).get("l0").asBoolean());

        HttpJson.Response compact = http.put(TL + "/compact?force_l0_compaction=true&force_image_layer_creation=true",
                null);
        assertEquals(200, compact.status(), compact.text());
        assertEquals("DONE", compact.json().get("outcome").asText());
        assertEquals(4, compact.json().get("removed").size(), compact.text());
        assertTrue(compact.json().get("added").size() > 0, compact.text());
        for (JsonNode l : http.get(TL + "/layer").json().get("historic_layers")) {
            assertFalse(l.get("l0").asBoolean(), l.toString());
            assertTrue(l.get("layer_file_size").asLong() > 0);
            assertEquals(36, l.get("key_start").asText().length());
            assertEquals(36, l.get("key_end").asText().length());
        }
        for (int i = 0; i < 100; i += 9) {
            assertArrayEquals(page(i, 0x4000 + 8L * i), getPage(i, top));
            assertArrayEquals(page(i, 0x2000 + 8L * i), getPage(i, 0x2000 + 8L * 99));
        }
        // the layer map picture: the live page and the JSON it draws, the compacted layers in it
        HttpJson.Response ui = http.get("/ui/tenant/" + T + "/timeline/" + L);
        assertEquals(200, ui.status(), ui.text());
        assertTrue(ui.text().contains("/v1/tenant/" + T + "/timeline/" + L + "/layer_map"), "the page's data URL");
        io.strata.examples.layermap.LayerMapInfo map = io.strata.examples.layermap.LayerMapInfo.fromJson(
                http.get(TL + "/layer_map").text());
        assertEquals(http.get(TL + "/layer").json().get("historic_layers").size(), map.historicLayers().size());
        assertTrue(map.historicLayers().stream().noneMatch(l -> l.l0()), map.toJson());
        assertEquals(404, http.get("/ui/tenant/" + T + "/timeline/" + "cccccccccccccccccccccccccccccccc").status());
        assertTrue(http.get("/ui").text().contains("href=\"/ui/tenant/" + T + "/timeline/" + L + "\""), "the index");

        HttpJson.Response lease = http.post(TL + "/lsn_lease", "{\"lsn\":\"" + lsn(0x3000) + "\"}");
        assertEquals(200, lease.status(), lease.text());
        assertTrue(lease.json().get("valid_until").asText().startsWith("20"));
        HttpJson.Response gc = http.put(TL + "/do_gc", "{\"gc_horizon\":0,\"pitr_interval_seconds\":0}");
        assertEquals(200, gc.status(), gc.text());
        assertEquals(lsn(top), gc.json().get("new_cutoff").asText());
        HttpJson.Response belowCutoff = http.post(TL + "/lsn_lease", "{\"lsn\":\"0/20\"}");
        assertEquals(412, belowCutoff.status(), belowCutoff.text());
        assertEquals(412, http.get(TL + "/page?key=" + key(1) + "&lsn=0/1008").status(), "below the GC cutoff");

        HttpJson.Response dry = http.put(TL + "/compact?enhanced_gc_bottom_most_compaction=true&dry_run", null);
        assertEquals(200, dry.status(), dry.text());
        assertEquals("gc-compaction", dry.json().get("algorithm").asText());
        assertEquals(0, dry.json().get("added").size(), "a dry run changes nothing");
        HttpJson.Response full = http.put(TL + "/compact?enhanced_gc_bottom_most_compaction=true"
                + "&compact_key_range=" + Key.MIN + "-" + Key.MAX, null);
        assertEquals(200, full.status(), full.text());
        assertEquals("DONE", full.json().get("outcome").asText(), full.text());
        for (int i = 0; i < 100; i += 9) {
            assertArrayEquals(page(i, 0x4000 + 8L * i), getPage(i, top));
        }

        assertEquals(400, http.put(TL + "/compact?dry_run=true", null).status(), "dry_run needs gc-compaction");
        assertEquals(400, http.put(TL + "/compact?force_l0_compaction=maybe", null).status());
        assertEquals(400, http.put(TL + "/compact?turbo=true", null).status());
        assertEquals(400, http.put(TL + "/compact?enhanced_gc_bottom_most_compaction=true&compact_lsn_range=0/5",
                null).status());
        assertEquals(400, http.put(TL + "/do_gc", "{\"gc_horizon\":-1}").status());
        assertEquals(400, http.post(TL + "/lsn_lease", "{}").status());

        JsonNode stats = http.get(TL + "/statistics").json();
        assertEquals(400, stats.get("ingest").get("records").asInt());
        assertEquals(lsn(top), stats.get("applied_gc_cutoff_lsn").asText());
        String metrics = http.get("/metrics").text();
        assertTrue(metrics.contains("strata_http_requests_seconds_count{route=\"compact\",status=\"200\"}"), metrics);
        assertTrue(metrics.contains("strata_ingested_records_total 400.0"), metrics);
        assertTrue(metrics.contains("strata_timelines 1.0"), metrics);
    }

    /** Shutdown lets a request in flight finish with a whole answer, refuses new ones, and flushes what it has. */
    @Test
    void shutdownFinishesRequestsInFlightAndFlushes() throws Exception {
        createTimeline();
        assertEquals(200, http.post(TL + "/ingest", lines(20, 0x100)).status()); // in memory only
        // the ingest leaves the count only after its answer was written, which the client may see first: wait, so
        // that the one in flight below is the page request and not the ingest's tail
        long settled = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (service.context().inFlight() != 0 && System.nanoTime() < settled) {
            Thread.sleep(1);
        }
        assertEquals(0, service.context().inFlight());
        CompletableFuture<HttpResponse<String>> waiting = HttpJson.CLIENT.sendAsync(
                http.request("GET", TL + "/page?key=" + key(1) + "&lsn=5/0", null),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (service.context().inFlight() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, service.context().inFlight());
        CompletableFuture<Void> stopped = service.shutdown(Duration.ofSeconds(20)).toFuture();
        HttpResponse<String> r = waiting.get(60, TimeUnit.SECONDS);
        assertEquals(504, r.statusCode(), r.body()); // its LSN never came: a whole answer, not a reset
        stopped.get(60, TimeUnit.SECONDS);
        assertThrows(java.io.IOException.class, () -> http.get("/v1/status"));
        service = null;

        service = StrataService.start(config(dir.resolve("data"), Map.of()), ServiceRoutes.api());
        http = new HttpJson(service.url());
        JsonNode info = http.get(TL).json();
        assertEquals(lsn(0x100 + 8 * 19), info.get("disk_consistent_lsn").asText(), "flushed at shutdown");
        assertArrayEquals(page(19, 0x100 + 8 * 19), getPage(19, 0x100 + 8 * 19));
    }
}
