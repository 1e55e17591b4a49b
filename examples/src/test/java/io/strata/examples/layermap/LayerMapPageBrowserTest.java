package io.strata.examples.layermap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.layer.PersistentLayerDesc;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer map page in a real browser: served with its JSON from a loopback HTTP server (as the service will), loaded
 * in headless Chromium for a timeline with known layers. Checks the drawn rectangles against {@link LayerMapSvg}'s,
 * a screenshot's colours, and that the page redraws by itself after L0 compaction changes the layers.
 */
class LayerMapPageBrowserTest {
    private static final Pattern RECT = Pattern.compile("<rect\\s([^>]*)>");
    private static final Pattern ATTR = Pattern.compile("([\\w-]+)=\"([^\"]*)\"");
    private static final Pattern BODY = Pattern.compile("<body\\s([^>]*)>");

    /** Hovers over the L0 layer [0x30, 0x40), zooms in on it with the wheel, then clicks reset. */
    private static final String USER = """
            <script>
            const r = document.querySelector('rect.layer.l0[data-layer-name$="0000000000000030-0000000000000040"]');
            const b = r.getBoundingClientRect();
            const at = {bubbles: true, cancelable: true, clientX: b.x + 5, clientY: b.y + 5};
            r.dispatchEvent(new MouseEvent('mousemove', at));
            const svg = document.getElementById('layer-map');
            document.body.dataset.fullView = svg.getAttribute('viewBox');
            r.dispatchEvent(new WheelEvent('wheel', Object.assign({deltaY: -400}, at)));
            document.body.dataset.zoomedView = svg.getAttribute('viewBox');
            document.getElementById('reset').click();
            document.body.dataset.resetView = svg.getAttribute('viewBox');
            </script>
            """;

    @TempDir
    Path dir;

    private LayerMapFixture fixture;
    private HttpServer server;
    private HeadlessChromium chromium;
    private final AtomicInteger layerRequests = new AtomicInteger();
    /** What the JSON URL answers: the timeline's live layer map unless a test changes it. */
    private final AtomicReference<Supplier<String>> layerJson = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        chromium = new HeadlessChromium(Files.createDirectories(dir.resolve("chromium")));
        fixture = new LayerMapFixture(dir.resolve("data"));
        layerJson.set(() -> fixture.info().toJson());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String dataPath = "/v1/tenant/" + LayerMapFixture.TENANT + "/timeline/" + LayerMapFixture.TIMELINE + "/layer";
        String page = LayerMapPage.live(dataPath, Duration.ofSeconds(5));
        server.createContext("/layermap", ex -> respond(ex, "text/html; charset=utf-8", page));
        // the saved variant, with the user's hover, wheel and reset click played by a script after the page's own
        server.createContext("/saved", ex -> respond(ex, "text/html; charset=utf-8",
                LayerMapPage.standalone(fixture.info()).replace("</body>", USER + "</body>")));
        server.createContext(dataPath, ex -> {
            layerRequests.incrementAndGet();
            respond(ex, "application/json", layerJson.get().get());
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private String pageUrl(String query) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/layermap" + query;
    }

    private static void respond(HttpExchange ex, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The layer rectangles of a DOM dump, by {@code data-layer-name}: their attributes. */
    private static Map<String, Map<String, String>> drawnLayers(String dom) {
        Map<String, Map<String, String>> out = new HashMap<>();
        // the page's own script builds rectangles from strings: only the drawn elements count
        Matcher m = RECT.matcher(dom.replaceAll("(?s)<script.*?</script>", ""));
        while (m.find()) {
            Map<String, String> attrs = attributes(m.group(1));
            if (attrs.containsKey("data-layer-name")) {
                assertEquals(null, out.put(attrs.get("data-layer-name"), attrs), "drawn once: " + attrs);
            }
        }
        return out;
    }

    private static Map<String, String> attributes(String tag) {
        Map<String, String> attrs = new HashMap<>();
        Matcher a = ATTR.matcher(tag);
        while (a.find()) {
            attrs.put(a.group(1), a.group(2));
        }
        return attrs;
    }

    private static long count(Map<String, Map<String, String>> layers, String kind) {
        return layers.values().stream().filter(a -> Set.of(a.get("class").split(" ")).contains(kind)).count();
    }

    private static Map<String, String> body(String dom) {
        Matcher m = BODY.matcher(dom);
        assertTrue(m.find(), "a body in " + dom);
        return attributes(m.group(1));
    }

    @Test
    void drawsTheLayersAsTheSvgDoes() throws Exception {
        String dom = chromium.dumpDom(pageUrl("?refresh=0"), 3000);
        assertEquals("ok", body(dom).get("data-status"), dom);
        Map<String, Map<String, String>> drawn = drawnLayers(dom);
        assertEquals(2, count(drawn, "image"));
        assertEquals(2, count(drawn, "delta"));
        assertEquals(3, count(drawn, "l0"));
        assertEquals(1, count(drawn, "frozen"));
        assertEquals(1, count(drawn, "open"));
        assertEquals(1, count(drawn, "covered"));

        // the browser's layout is the Java one, rectangle for rectangle
        Map<String, LayerMapSvgTest.Rect> java = LayerMapSvgTest.layerRects(
                LayerMapSvgTest.parse(LayerMapSvg.render(fixture.info())));
        assertEquals(java.keySet(), drawn.keySet());
        for (LayerMapSvgTest.Rect r : java.values()) {
            Map<String, String> d = drawn.get(r.name());
            assertEquals(List.of(r.cls(), r.x(), r.y(), r.width(), r.height()), List.of(d.get("class"),
                    Integer.parseInt(d.get("x")), Integer.parseInt(d.get("y")), Integer.parseInt(d.get("width")),
                    Integer.parseInt(d.get("height"))), r.name());
        }
        assertTrue(dom.contains("Layer map of tenant " + LayerMapFixture.TENANT), "title drawn");
        assertTrue(dom.contains("applied GC cutoff 0/20"), "GC cutoff drawn");
    }

    @Test
    void screenshotShowsEveryKindInItsColour() throws Exception {
        Path png = chromium.screenshot(pageUrl("?refresh=0"), 1300, 900, 3000);
        Path kept = Path.of("target", "layer-map-screenshot.png");
        Files.createDirectories(kept.getParent());
        Files.copy(png, kept, StandardCopyOption.REPLACE_EXISTING);   // for people to look at
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1300, img.getWidth());
        Map<Integer, Integer> pixels = new HashMap<>();
        // the plot area: below the status bar and legend, left of nothing
        for (int y = 120; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                pixels.merge(img.getRGB(x, y) & 0xFFFFFF, 1, Integer::sum);
            }
        }
        // fills of LayerMapSvg.STYLE: image, delta, L0, frozen, open in-memory
        Map<String, Integer> fills = Map.of("image", 0x2166ac, "delta", 0xa6dba0, "l0", 0xfdb863, "frozen", 0xc2a5cf,
                "open", 0xf3e6f5);
        for (Map.Entry<String, Integer> e : fills.entrySet()) {
            int n = pixels.getOrDefault(e.getValue(), 0);
            assertTrue(n >= 200, e.getKey() + " fill #" + Integer.toHexString(e.getValue()) + ": " + n
                    + " pixels in " + kept.toAbsolutePath());
        }
        Set<Integer> common = new HashSet<>();
        pixels.forEach((rgb, n) -> {
            if (n >= 200) {
                common.add(rgb);
            }
        });
        assertTrue(common.size() >= 8, "distinct colours covering >= 200 pixels: " + common.size());
    }

    @Test
    void hoverShowsTheLayerAndTheWheelZooms() throws Exception {
        String dom = chromium.dumpDom(pageUrl("").replace("/layermap", "/saved"), 1000);
        Map<String, String> body = body(dom);
        assertEquals("ok", body.get("data-status"), dom);
        assertEquals(9, drawnLayers(dom).size(), "the saved page draws without fetching");
        assertEquals(0, layerRequests.get());

        Matcher tip = Pattern.compile("<div id=\"tooltip\" style=\"([^\"]*)\">(.*?)</div>").matcher(dom);
        assertTrue(tip.find(), "a tooltip in " + dom);
        assertTrue(tip.group(1).contains("display: block"), tip.group(1));
        String text = tip.group(2);
        PersistentLayerDesc l0 = fixture.timeline.layers().map().level0Deltas().get(0);
        for (String part : List.of(l0.name().toString(), "L0 delta", l0.fileSize() + " bytes",
                "keys " + io.strata.engine.key.Key.MIN + " - " + io.strata.engine.key.Key.MAX, "LSNs 0/30 - 0/40")) {
            assertTrue(text.contains(part), part + " in the tooltip: " + text);
        }

        double[] full = view(body.get("data-full-view"));
        double[] zoomed = view(body.get("data-zoomed-view"));
        assertTrue(zoomed[2] < full[2] * 0.8 && zoomed[3] < full[3] * 0.8, "zoomed in: " + List.of(body));
        assertEquals(body.get("data-full-view"), body.get("data-reset-view"), "reset restores the whole picture");
    }

    private static double[] view(String viewBox) {
        String[] p = viewBox.trim().split("\\s+");
        return new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]),
                Double.parseDouble(p[3])};
    }

    @Test
    void redrawsAfterCompaction() throws Exception {
        // the second answer comes after L0 compaction: the page must fetch again on its own and redraw
        AtomicReference<Level0Compaction.Result> compacted = new AtomicReference<>();
        layerJson.set(() -> {
            if (layerRequests.get() == 2) {
                compacted.set(fixture.compactL0());
            }
            return fixture.info().toJson();
        });
        String dom = chromium.dumpDom(pageUrl("?refresh=1"), 4500);
        assertTrue(layerRequests.get() >= 3, "fetched every second: " + layerRequests.get());
        Map<String, String> body = body(dom);
        assertEquals("ok", body.get("data-status"));
        assertEquals("2", body.get("data-renders"), "redrawn once after compaction, not for unchanged answers");
        Map<String, Map<String, String>> drawn = drawnLayers(dom);
        assertEquals(0, count(drawn, "l0"), drawn.keySet().toString());
        for (PersistentLayerDesc created : compacted.get().created()) {
            assertTrue(drawn.containsKey(created.name().toString()), created + " drawn");
        }
        assertEquals(2 + compacted.get().created().size(), count(drawn, "delta"));
        assertEquals(2, count(drawn, "image"));
    }

    /**
     * The page as {@code strata serve} serves it ({@code /ui/tenant/<t>/timeline/<l>} and its {@code layer_map}
     * JSON), for a timeline built through the API: four flushed ingests (four L0 layers), then L0 compaction. The
     * browser draws exactly the service's historic layers.
     */
    @Test
    void theServiceServesThePageForItsTimelines() throws Exception {
        io.strata.examples.service.StrataService service = io.strata.examples.service.StrataService.start(
                io.strata.examples.service.ServiceConfig.load(null, Map.of("data_dir", dir.resolve("served")
                        .toString(), "listen_port", "0", "compaction_enabled", "false", "io_rings", "1")),
                io.strata.examples.service.ServiceRoutes.api());
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = service.url();
            String t = "3333333333333333333333333333333a";
            String l = "4444444444444444444444444444444b";
            String tl = base + "v1/tenant/" + t + "/timeline/" + l;
            assertEquals(201, call(http, "POST", base + "v1/tenant", "{\"new_tenant_id\":\"" + t + "\"}").statusCode());
            assertEquals(201, call(http, "POST", base + "v1/tenant/" + t + "/timeline", "{\"new_timeline_id\":\"" + l
                    + "\"}").statusCode());
            long lsn = 0x100;
            for (int round = 0; round < 4; round++) {
                StringBuilder body = new StringBuilder();
                for (int k = 0; k < 50; k++) {
                    lsn += 8;
                    body.append("{\"key\":\"").append(io.strata.engine.key.Key.fromI128(0, 0x100 + k))
                            .append("\",\"lsn\":\"").append(io.strata.engine.key.Lsn.of(lsn))
                            .append("\",\"image\":\"").append(java.util.Base64.getEncoder().encodeToString(
                                    ("page " + k + " round " + round).getBytes(StandardCharsets.UTF_8))).append("\"}\n");
                }
                assertEquals(200, call(http, "POST", tl + "/ingest?flush=true", body.toString()).statusCode());
            }
            assertEquals(200, call(http, "PUT", tl + "/compact?force_l0_compaction=true", "").statusCode());
            LayerMapInfo served = LayerMapInfo.fromJson(call(http, "GET", tl + "/layer_map", null).body());
            assertTrue(served.historicLayers().size() >= 1, served.toJson());

            String dom = chromium.dumpDom(base + "ui/tenant/" + t + "/timeline/" + l + "?refresh=0", 3000);
            assertEquals("ok", body(dom).get("data-status"), dom);
            Map<String, Map<String, String>> drawn = drawnLayers(dom);
            Set<String> historic = new java.util.TreeSet<>();
            served.historicLayers().forEach(h -> historic.add(h.layerFileName()));
            Set<String> drawnHistoric = new java.util.TreeSet<>(drawn.keySet());
            drawnHistoric.retainAll(historic);
            assertEquals(historic, drawnHistoric, "every layer of the service's timeline is drawn");
            assertEquals(0, count(drawn, "l0"), "the L0 layers were compacted");
            assertTrue(dom.contains("Layer map of tenant " + t), "title drawn");
        } finally {
            service.shutdown(Duration.ofSeconds(10)).block(Duration.ofSeconds(60));
        }
    }

    private static java.net.http.HttpResponse<String> call(java.net.http.HttpClient http, String method, String url,
                                                           String body) throws Exception {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url));
        b.method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }
}
