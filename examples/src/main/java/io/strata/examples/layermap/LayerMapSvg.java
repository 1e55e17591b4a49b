package io.strata.examples.layermap;

import io.strata.examples.layermap.LayerMapInfo.HistoricLayerInfo;
import io.strata.examples.layermap.LayerMapLayout.Box;
import io.strata.examples.layermap.LayerMapLayout.Kind;
import io.strata.examples.layermap.LayerMapLayout.Tick;

/**
 * Renders a {@link LayerMapInfo} as a standalone SVG picture (the counterpart of Neon's {@code pagectl
 * draw-timeline}): one {@code <rect class="layer KIND" data-layer-name=...>} per layer with a {@code <title>}
 * (name, kind, size, key and LSN ranges) that viewers show on hover, LSN and key axes, a legend and the applied
 * GC cutoff. The web page ({@link LayerMapPage}) draws the same elements with the same layout.
 */
public final class LayerMapSvg {
    /** The styles of the picture, shared with the web page. */
    static final String STYLE = String.join("",
            ".layer{stroke-width:1}",
            ".image{fill:#2166ac;stroke:#053061}",
            ".delta{fill:#a6dba0;stroke:#1b7837}",
            ".l0{fill:#fdb863;stroke:#b35806}",
            ".frozen{fill:#c2a5cf;stroke:#762a83}",
            ".open{fill:#f3e6f5;stroke:#762a83;stroke-dasharray:4 2}",
            ".covered{opacity:.35}",
            ".gc{stroke:#d6604d;stroke-width:2;stroke-dasharray:6 3}",
            ".gc-label{fill:#b2182b;font-size:12px}",
            ".grid{stroke:#ececec}",
            ".plot{fill:#fcfcfc;stroke:#999}",
            ".tick{font-size:10px;fill:#444}",
            ".axis{font-size:12px;fill:#222}",
            ".title{font-size:15px;font-weight:bold;fill:#111}",
            ".stats{font-size:12px;fill:#333}");

    /** Legend spacing: swatch plus gap, and a generous width per character of 12 px text. */
    static final int LEGEND_GAP = 26;
    static final int LEGEND_CHAR = 8;

    private LayerMapSvg() {
    }

    public static String render(LayerMapInfo info) {
        LayerMapLayout layout = new LayerMapLayout(info);
        int w = layout.width();
        int h = layout.height();
        int left = LayerMapLayout.LEFT;
        int top = LayerMapLayout.TOP;
        int plotRight = left + layout.plotWidth();
        int plotBottom = layout.plotBottom();
        StringBuilder s = new StringBuilder(4096 + 512 * info.historicLayers().size());
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
        s.append("<style>").append(STYLE).append("</style>\n");
        s.append("<rect x=\"0\" y=\"0\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" fill=\"#ffffff\"/>\n");
        text(s, "title", 12, 20, "start", title(info));
        text(s, "stats", 12, 38, "start", stats(info));
        legend(s, layout);
        s.append("<rect class=\"plot\" x=\"").append(left).append("\" y=\"").append(top).append("\" width=\"")
                .append(layout.plotWidth()).append("\" height=\"").append(layout.plotHeight()).append("\"/>\n");
        for (Tick t : layout.lsnTicks()) {
            line(s, "grid", left, t.position(), plotRight, t.position());
        }
        for (Tick t : layout.keyTicks()) {
            line(s, "grid", t.position(), top, t.position(), plotBottom);
        }
        for (Box b : layout.boxes()) {
            box(s, b);
        }
        layout.gcCutoffY().ifPresent(y -> {
            line(s, "gc", left, y, plotRight, y);
            text(s, "gc-label", plotRight - 4, y - 4, "end", "applied GC cutoff " + info.appliedGcCutoffLsn());
        });
        for (Tick t : layout.lsnTicks()) {
            s.append("<text class=\"tick\" x=\"").append(left - 6).append("\" y=\"").append(t.position() + 3)
                    .append("\" text-anchor=\"end\">").append(escape(t.label())).append("</text>\n");
        }
        for (Tick t : layout.keyTicks()) {
            int y = plotBottom + 6;
            s.append("<text class=\"tick\" x=\"").append(t.position() + 3).append("\" y=\"").append(y)
                    .append("\" text-anchor=\"end\" transform=\"rotate(-90 ").append(t.position() + 3).append(' ')
                    .append(y).append(")\"><title>").append(escape(t.full())).append("</title>")
                    .append(escape(t.label())).append("</text>\n");
        }
        // rotated, so that it reads upwards and stays clear of long LSN labels
        int mid = top + layout.plotHeight() / 2;
        s.append("<text class=\"axis\" x=\"16\" y=\"").append(mid).append("\" text-anchor=\"middle\" transform=\"rotate(-90 16 ")
                .append(mid).append(")\">LSN \u2192</text>\n");
        text(s, "axis", plotRight, h - 8, "end", "key \u2192 (axes compressed: one step per distinct layer boundary)");
        s.append("</svg>\n");
        return s.toString();
    }

    static String title(LayerMapInfo info) {
        return "Layer map of tenant " + info.tenantId() + " timeline " + info.timelineId();
    }

    static String stats(LayerMapInfo info) {
        return "last record " + info.lastRecordLsn() + " \u00b7 disk consistent " + info.diskConsistentLsn()
                + " \u00b7 applied GC cutoff " + info.appliedGcCutoffLsn() + " \u00b7 " + info.imageCount()
                + " image, " + info.l1Count() + " delta, " + info.l0Count() + " L0, "
                + info.inMemoryLayers().size() + " in-memory layers";
    }

    private static void legend(StringBuilder s, LayerMapLayout layout) {
        int x = 12;
        int y = 50;
        for (Kind k : Kind.values()) {
            s.append("<rect class=\"legend layer ").append(k.cssClass).append("\" x=\"").append(x).append("\" y=\"")
                    .append(y).append("\" width=\"14\" height=\"10\"/>");
            text(s, "axis", x + 18, y + 9, "start", k.label);
            x += LEGEND_GAP + LEGEND_CHAR * k.label.length();
        }
        s.append("<rect class=\"legend layer delta covered\" x=\"").append(x).append("\" y=\"").append(y)
                .append("\" width=\"14\" height=\"10\"/>");
        text(s, "axis", x + 18, y + 9, "start", "covered");
        x += LEGEND_GAP + LEGEND_CHAR * "covered".length();
        line(s, "gc", x, y + 5, x + 18, y + 5);
        text(s, "axis", x + 22, y + 9, "start", "GC cutoff");
    }

    private static void box(StringBuilder s, Box b) {
        s.append("<rect class=\"layer ").append(b.kind().cssClass).append(b.covered() ? " covered" : "")
                .append("\" data-layer-name=\"").append(escape(b.name())).append("\" x=\"").append(b.x())
                .append("\" y=\"").append(b.y()).append("\" width=\"").append(b.width()).append("\" height=\"")
                .append(b.height()).append("\" rx=\"2\"><title>").append(escape(tooltip(b))).append("</title></rect>\n");
    }

    /** The hover text of a layer: name, kind and size, key range, LSN range, visibility. */
    static String tooltip(Box b) {
        StringBuilder t = new StringBuilder(b.name()).append('\n').append(b.kind().label);
        if (b.historic().isPresent()) {
            HistoricLayerInfo h = b.historic().get();
            t.append(", ").append(size(h.layerFileSize())).append('\n');
            t.append("keys ").append(h.keyStart()).append(" - ").append(h.keyEnd()).append('\n');
            t.append(h.delta() ? "LSNs " + h.lsnStart() + " - " + h.lsnEnd() : "LSN " + h.lsnStart());
            if (!h.visible()) {
                t.append("\ncovered: no read point reaches it");
            }
        } else {
            t.append("\nLSNs ").append(b.lsnStart()).append(" - ").append(b.lsnEnd());
        }
        return t.toString();
    }

    /** A file size for people: {@code 12.3 KiB (12600 bytes)}. */
    static String size(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s (%d bytes)", v, units[u], bytes);
    }

    private static void line(StringBuilder s, String cls, int x1, int y1, int x2, int y2) {
        s.append("<line class=\"").append(cls).append("\" x1=\"").append(x1).append("\" y1=\"").append(y1)
                .append("\" x2=\"").append(x2).append("\" y2=\"").append(y2).append("\"/>\n");
    }

    private static void text(StringBuilder s, String cls, int x, int y, String anchor, String text) {
        s.append("<text class=\"").append(cls).append("\" x=\"").append(x).append("\" y=\"").append(y)
                .append("\" text-anchor=\"").append(anchor).append("\">").append(escape(text)).append("</text>\n");
    }

    static String escape(String s) {
        StringBuilder o = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> o.append("&lt;");
                case '>' -> o.append("&gt;");
                case '&' -> o.append("&amp;");
                case '"' -> o.append("&quot;");
                case '\'' -> o.append("&#39;");
                default -> o.append(c);
            }
        }
        return o.toString();
    }
}
