package io.strata.examples.layermap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The layer map web page: one self-contained HTML document (inline CSS and script, nothing fetched but the data)
 * that draws a timeline's layers with {@link LayerMapLayout}'s layout, in SVG: a {@code <rect class="layer KIND"
 * data-layer-name=...>} per layer, a tooltip with name, size, key range and LSN range on hover, wheel zoom, drag
 * pan and a reset. Any HTTP server can serve it: it needs the page and a URL answering {@link LayerMapInfo#toJson()}.
 *
 * <ul>
 *   <li>{@link #live}: fetches the JSON from a URL and again every few seconds, so the picture follows flushes and
 *   compaction (unchanged data does not redraw, so zoom and hover survive). {@code ?data=URL} and
 *   {@code ?refresh=SECONDS} in the page's own URL override both.</li>
 *   <li>{@link #standalone}: the JSON embedded, for a file ({@code strata timeline draw --out x.html}).</li>
 * </ul>
 */
public final class LayerMapPage {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TEMPLATE = resource("layer-map.html");
    private static final String SCRIPT = resource("layer-map.js");

    private LayerMapPage() {
    }

    /**
     * A page drawing the layer map fetched from {@code dataUrl} (absolute, or relative to the page), fetched again
     * {@code refresh} after each answer ({@link Duration#ZERO}: never).
     */
    public static String live(String dataUrl, Duration refresh) {
        Objects.requireNonNull(dataUrl, "dataUrl");
        if (refresh.isNegative()) {
            throw new IllegalArgumentException("negative refresh interval " + refresh + " for the layer map page");
        }
        ObjectNode config = config();
        config.put("data_url", dataUrl);
        config.put("refresh_seconds", refresh.toMillis() / 1000.0);
        return page(config);
    }

    /** A page drawing {@code info}, embedded: no fetch, no refresh. */
    public static String standalone(LayerMapInfo info) {
        ObjectNode config = config();
        config.put("refresh_seconds", 0);
        try {
            config.set("data", MAPPER.readTree(info.toJson()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the layer map of " + info.timelineId() + " did not parse back", e);
        }
        return page(config);
    }

    /** The layout's constants, so that the script draws exactly what {@link LayerMapLayout} computes. */
    private static ObjectNode config() {
        ObjectNode config = MAPPER.createObjectNode();
        ObjectNode c = config.putObject("layout");
        c.put("LEFT", LayerMapLayout.LEFT);
        c.put("TOP", LayerMapLayout.TOP);
        c.put("RIGHT", LayerMapLayout.RIGHT);
        c.put("BOTTOM", LayerMapLayout.BOTTOM);
        c.put("PLOT_WIDTH", LayerMapLayout.PLOT_WIDTH);
        c.put("PLOT_HEIGHT", LayerMapLayout.PLOT_HEIGHT);
        c.put("MIN_COLUMN", LayerMapLayout.MIN_COLUMN);
        c.put("MIN_ROW", LayerMapLayout.MIN_ROW);
        c.put("IMAGE_BAR", LayerMapLayout.IMAGE_BAR);
        c.put("INSET", LayerMapLayout.INSET);
        c.put("KEY_LABEL_DIGITS", LayerMapLayout.KEY_LABEL_DIGITS);
        c.put("LABEL_SPACING", LayerMapLayout.LABEL_SPACING);
        c.put("KEY_HEX", io.strata.engine.key.Key.HEX_LENGTH);
        c.put("LEGEND_GAP", LayerMapSvg.LEGEND_GAP);
        c.put("LEGEND_CHAR", LayerMapSvg.LEGEND_CHAR);
        ArrayNode kinds = c.putArray("kinds");
        for (LayerMapLayout.Kind k : LayerMapLayout.Kind.values()) {
            kinds.addObject().put("css", k.cssClass).put("label", k.label);
        }
        return config;
    }

    private static String page(ObjectNode config) {
        String json;
        try {
            json = MAPPER.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the layer map page's configuration", e);
        }
        // '<' only occurs inside JSON strings, where \u003c means the same: no "</script>" can end the element early
        String safe = json.replace("<", "\\u003c");
        // the configuration goes in last, so that nothing in it is taken for a placeholder
        return TEMPLATE.replace("/*SCRIPT*/", SCRIPT).replace("/*SVG_STYLE*/", LayerMapSvg.STYLE)
                .replace("/*CONFIG*/", safe);
    }

    private static String resource(String name) {
        try (InputStream in = LayerMapPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing beside " + LayerMapPage.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }
}
