package io.strata.examples.layermap;

import static io.strata.examples.layermap.LayerMapFixture.imageName;
import static io.strata.examples.layermap.LayerMapFixture.l0Name;
import static io.strata.examples.layermap.LayerMapFixture.l1Name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.examples.layermap.LayerMapInfo.HistoricLayerInfo;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The SVG picture of a timeline with known layers: one rectangle per layer, placed monotonically in key x LSN. */
class LayerMapSvgTest {
    @TempDir
    Path dir;

    /** A drawn layer rectangle as the SVG has it. */
    record Rect(String name, String cls, int x, int y, int width, int height, String title) {
        int right() {
            return x + width;
        }

        int bottom() {
            return y + height;
        }

        boolean is(String kind) {
            return List.of(cls.split(" ")).contains(kind);
        }
    }

    static Map<String, Rect> layerRects(Document doc) {
        Map<String, Rect> out = new HashMap<>();
        NodeList rects = doc.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element e = (Element) rects.item(i);
            if (!e.hasAttribute("data-layer-name")) {
                continue;
            }
            NodeList titles = e.getElementsByTagName("title");
            Rect r = new Rect(e.getAttribute("data-layer-name"), e.getAttribute("class"),
                    Integer.parseInt(e.getAttribute("x")), Integer.parseInt(e.getAttribute("y")),
                    Integer.parseInt(e.getAttribute("width")), Integer.parseInt(e.getAttribute("height")),
                    titles.getLength() == 0 ? "" : titles.item(0).getTextContent());
            assertEquals(null, out.put(r.name(), r), "one rectangle per layer: " + r.name());
        }
        return out;
    }

    static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static long count(Map<String, Rect> rects, String kind) {
        return rects.values().stream().filter(r -> r.is(kind)).count();
    }

    @Test
    void drawsEveryLayerByKindMonotoneInKeyAndLsn() throws Exception {
        try (LayerMapFixture f = new LayerMapFixture(dir)) {
            LayerMapInfo info = f.info();
            Document doc = parse(LayerMapSvg.render(info));
            Element svg = doc.getDocumentElement();
            int width = Integer.parseInt(svg.getAttribute("width"));
            int height = Integer.parseInt(svg.getAttribute("height"));
            Map<String, Rect> rects = layerRects(doc);

            assertEquals(9, rects.size(), rects.keySet().toString());
            assertEquals(2, count(rects, "image"));
            assertEquals(2, count(rects, "delta"));
            assertEquals(3, count(rects, "l0"));
            assertEquals(1, count(rects, "frozen"));
            assertEquals(1, count(rects, "open"));
            assertEquals(List.of(l1Name(0, 4, 0x10, 0x30)),
                    rects.values().stream().filter(r -> r.is("covered")).map(Rect::name).toList());
            assertTrue(rects.containsKey("Frozen 0/60-0/70") && rects.containsKey("Open 0/70-0/79"), rects.keySet().toString());

            // every key boundary has one x, every LSN boundary one y, and both grow in order (y upwards)
            TreeMap<Key, Integer> xs = new TreeMap<>();
            TreeMap<Lsn, Integer> ys = new TreeMap<>();
            for (HistoricLayerInfo h : info.historicLayers()) {
                Rect r = rects.get(h.layerFileName());
                assertTrue(r.x() >= 0 && r.right() <= width && r.y() >= 0 && r.bottom() <= height, r.toString());
                assertTrue(r.width() > 0 && r.height() > 0, r.toString());
                assertTrue(r.title().contains(h.layerFileName()) && r.title().contains(h.keyStart().toString())
                        && r.title().contains(h.lsnStart().toString()), r.title());
                put(xs, h.keyStart(), r.x() - LayerMapLayout.INSET, h);
                put(xs, h.keyEnd(), r.right() + LayerMapLayout.INSET, h);
                if (h.delta()) {
                    put(ys, h.lsnStart(), r.bottom() + LayerMapLayout.INSET, h);
                    put(ys, h.lsnEnd(), r.y() - LayerMapLayout.INSET, h);
                } else {
                    assertEquals(LayerMapLayout.IMAGE_BAR, r.height(), "an image is a thin bar");
                    put(ys, h.lsnStart(), r.y() + LayerMapLayout.IMAGE_BAR / 2, h);
                }
            }
            assertStrictlyIncreasing(new ArrayList<>(xs.values()), "x by key");
            List<Integer> upwards = new ArrayList<>(ys.values());
            java.util.Collections.reverse(upwards);
            assertStrictlyIncreasing(upwards, "y by LSN (higher LSNs higher up)");

            // L0s span the whole plot width, the in-memory layers too, above every historic layer
            Rect l0 = rects.get(l0Name(0x30, 0x40));
            Rect frozen = rects.get("Frozen 0/60-0/70");
            Rect open = rects.get("Open 0/70-0/79");
            assertEquals(l0.x(), frozen.x());
            assertEquals(l0.width(), frozen.width());
            int historicTop = rects.values().stream().filter(r -> !r.is("frozen") && !r.is("open"))
                    .mapToInt(Rect::y).min().orElseThrow();
            assertTrue(frozen.bottom() < historicTop && open.bottom() < frozen.y(), "in-memory layers on top");
            // the image at 0x30 sits on the upper edge of the L1 deltas that end at 0x30
            Rect image = rects.get(imageName(0, 4, 0x30));
            Rect l1 = rects.get(l1Name(4, 8, 0x10, 0x30));
            assertEquals(l1.y() - LayerMapLayout.INSET, image.y() + LayerMapLayout.IMAGE_BAR / 2);
            assertTrue(rects.get(l1Name(0, 4, 0x10, 0x30)).right() < l1.x(), "[k0,k4) left of [k4,k8)");

            // the GC cutoff line lies between the LSNs around it
            Element gc = lineOfClass(doc, "gc");
            int gcY = Integer.parseInt(gc.getAttribute("y1"));
            assertTrue(gcY < ys.get(Lsn.of(0x10)) && gcY > ys.get(Lsn.of(0x30)), "gc cutoff at " + gcY);
        }
    }

    @Test
    void compactionRedrawsL0AsL1() throws Exception {
        try (LayerMapFixture f = new LayerMapFixture(dir)) {
            var result = f.compactL0();
            Map<String, Rect> rects = layerRects(parse(LayerMapSvg.render(f.info())));
            assertEquals(0, count(rects, "l0"));
            assertEquals(2 + result.created().size(), count(rects, "delta"));
            assertEquals(2, count(rects, "image"));
        }
    }

    @Test
    void emptyTimelineStillDrawsAxes() throws Exception {
        LayerMapInfo empty = new LayerMapInfo("t", "l", Lsn.of(0x10), Lsn.of(0x10), Lsn.INVALID, List.of(), List.of());
        Document doc = parse(LayerMapSvg.render(empty));
        assertEquals(0, layerRects(doc).size());
        assertEquals(null, lineOfClass(doc, "gc"), "no cutoff, no line");
    }

    private static Element lineOfClass(Document doc, String cls) {
        NodeList lines = doc.getElementsByTagName("line");
        for (int i = 0; i < lines.getLength(); i++) {
            Element e = (Element) lines.item(i);
            // the legend's sample line is short; the plot's spans the plot
            int length = Integer.parseInt(e.getAttribute("x2")) - Integer.parseInt(e.getAttribute("x1"));
            if (e.getAttribute("class").equals(cls) && length > 100) {
                return e;
            }
        }
        return null;
    }

    private static <T> void put(Map<T, Integer> coords, T at, int value, HistoricLayerInfo h) {
        Integer old = coords.putIfAbsent(at, value);
        assertTrue(old == null || old == value, "one coordinate for " + at + ": " + old + " and " + value + " ("
                + h.layerFileName() + ")");
    }

    private static void assertStrictlyIncreasing(List<Integer> values, String what) {
        for (int i = 1; i < values.size(); i++) {
            assertTrue(values.get(i - 1) < values.get(i), what + ": " + values);
        }
    }
}
