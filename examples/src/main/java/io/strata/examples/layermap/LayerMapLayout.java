package io.strata.examples.layermap;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.examples.layermap.LayerMapInfo.HistoricLayerInfo;
import io.strata.examples.layermap.LayerMapInfo.InMemoryLayerInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Where each layer of a {@link LayerMapInfo} goes in the picture: key on x (left to right), LSN on y (growing
 * upwards), both axes compressed by rank as Neon's {@code pagectl draw-timeline} does (each distinct layer boundary
 * gets the next column or row, so a one-page image layer and a layer spanning the whole key space are both
 * visible). Delta layers are rectangles, image layers thin bars at their LSN (an image's {@code lsn_end} is not a
 * boundary), in-memory layers span the full width above the historic ones.
 *
 * <p>{@code layer-map.js} computes the same layout for the web page, number for number: keep the two in step (the
 * browser test compares them). All coordinates are integers so that both render them identically.
 */
public final class LayerMapLayout {
    static final int LEFT = 110;
    static final int TOP = 76;
    static final int RIGHT = 30;
    static final int BOTTOM = 104;
    static final int PLOT_WIDTH = 960;
    static final int PLOT_HEIGHT = 560;
    static final int MIN_COLUMN = 12;
    static final int MIN_ROW = 10;
    static final int IMAGE_BAR = 6;
    /** Space kept between neighbouring layers so that their edges stay apart. */
    static final int INSET = 1;
    /** Hex digits of a key kept in an axis label when no longer common prefix can be elided. */
    static final int KEY_LABEL_DIGITS = 10;
    static final int LABEL_SPACING = 14;

    /** The CSS class of each kind of box (the legend's order). */
    enum Kind {
        IMAGE("image", "Image"), DELTA("delta", "Delta (L1)"), L0("l0", "L0 delta"), FROZEN("frozen", "Frozen in-memory"),
        OPEN("open", "Open in-memory");

        final String cssClass;
        final String label;

        Kind(String cssClass, String label) {
            this.cssClass = cssClass;
            this.label = label;
        }
    }

    /** One layer's rectangle; {@code historic} is empty for in-memory layers. */
    record Box(Kind kind, String name, int x, int y, int width, int height, Lsn lsnStart, Lsn lsnEnd,
               Optional<HistoricLayerInfo> historic) {
        boolean covered() {
            return historic.map(h -> !h.visible()).orElse(false);
        }
    }

    /** An axis label at {@code position} (x for keys, y for LSNs); {@code full} is the unabbreviated value. */
    record Tick(int position, String label, String full) {
    }

    private final LayerMapInfo info;
    private final List<Key> keys;
    private final List<Lsn> lsns;
    private final int column;
    private final int row;

    public LayerMapLayout(LayerMapInfo info) {
        this.info = info;
        TreeSet<Key> k = new TreeSet<>();
        TreeSet<Lsn> l = new TreeSet<>();
        for (HistoricLayerInfo h : info.historicLayers()) {
            k.add(h.keyStart());
            k.add(h.keyEnd());
            l.add(h.lsnStart());
            if (h.delta()) {
                l.add(h.lsnEnd());
            }
        }
        for (InMemoryLayerInfo m : info.inMemoryLayers()) {
            l.add(m.lsnStart());
            l.add(m.lsnEnd());
        }
        if (k.isEmpty()) {
            k.add(Key.MIN);
            k.add(Key.MAX);
        }
        if (gcCutoffShown()) {
            l.add(info.appliedGcCutoffLsn());
        }
        if (l.isEmpty()) {
            l.add(info.lastRecordLsn());
        }
        this.keys = List.copyOf(k);
        this.lsns = List.copyOf(l);
        this.column = Math.max(MIN_COLUMN, PLOT_WIDTH / Math.max(1, keys.size() - 1));
        this.row = Math.max(MIN_ROW, PLOT_HEIGHT / Math.max(1, lsns.size() - 1));
    }

    public LayerMapInfo info() {
        return info;
    }

    boolean gcCutoffShown() {
        return info.appliedGcCutoffLsn().isValid();
    }

    int plotWidth() {
        return column * Math.max(1, keys.size() - 1);
    }

    int plotHeight() {
        return row * Math.max(1, lsns.size() - 1);
    }

    public int width() {
        return LEFT + plotWidth() + RIGHT;
    }

    public int height() {
        return TOP + plotHeight() + BOTTOM;
    }

    int x(Key key) {
        return LEFT + rank(keys, key) * column;
    }

    int y(Lsn lsn) {
        return TOP + plotHeight() - rank(lsns, lsn) * row;
    }

    /** The bottom edge of the plot (the lowest LSN). */
    int plotBottom() {
        return TOP + plotHeight();
    }

    private static <T extends Comparable<T>> int rank(List<T> sorted, T value) {
        int i = Collections.binarySearch(sorted, value);
        if (i < 0) {
            throw new IllegalArgumentException(value + " is not a coordinate of the layout");
        }
        return i;
    }

    /** Boxes in drawing order: deltas, in-memory layers, then image bars on top of the delta edges they sit on. */
    List<Box> boxes() {
        List<Box> out = new ArrayList<>();
        for (HistoricLayerInfo h : info.historicLayers()) {
            if (h.delta()) {
                int x0 = x(h.keyStart());
                int x1 = x(h.keyEnd());
                int top = y(h.lsnEnd());
                int bottom = y(h.lsnStart());
                out.add(new Box(h.l0() ? Kind.L0 : Kind.DELTA, h.layerFileName(), x0 + INSET, top + INSET,
                        x1 - x0 - 2 * INSET, bottom - top - 2 * INSET, h.lsnStart(), h.lsnEnd(), Optional.of(h)));
            }
        }
        int left = LEFT;
        int right = LEFT + plotWidth();
        for (InMemoryLayerInfo m : info.inMemoryLayers()) {
            int top = y(m.lsnEnd());
            int bottom = y(m.lsnStart());
            out.add(new Box(m.open() ? Kind.OPEN : Kind.FROZEN, inMemoryName(m), left + INSET, top + INSET,
                    right - left - 2 * INSET, bottom - top - 2 * INSET, m.lsnStart(), m.lsnEnd(), Optional.empty()));
        }
        for (HistoricLayerInfo h : info.historicLayers()) {
            if (!h.delta()) {
                int x0 = x(h.keyStart());
                int x1 = x(h.keyEnd());
                out.add(new Box(Kind.IMAGE, h.layerFileName(), x0 + INSET, y(h.lsnStart()) - IMAGE_BAR / 2,
                        x1 - x0 - 2 * INSET, IMAGE_BAR, h.lsnStart(), h.lsnEnd(), Optional.of(h)));
            }
        }
        return out;
    }

    /** The name an in-memory layer goes by in the picture (it has no file): {@code Open 0/60-0/79}. */
    static String inMemoryName(InMemoryLayerInfo m) {
        return m.kind() + " " + m.lsnStart() + "-" + m.lsnEnd();
    }

    /** Key labels under the plot, thinned so that they do not overlap. */
    List<Tick> keyTicks() {
        int step = (LABEL_SPACING + column - 1) / column;
        int prefix = elidedPrefix();
        List<Tick> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += step) {
            Key k = keys.get(i);
            out.add(new Tick(LEFT + i * column, keyLabel(k, prefix), k.toString()));
        }
        return out;
    }

    /** LSN labels left of the plot, thinned so that they do not overlap. */
    List<Tick> lsnTicks() {
        int step = (LABEL_SPACING + row - 1) / row;
        List<Tick> out = new ArrayList<>();
        for (int i = 0; i < lsns.size(); i += step) {
            Lsn l = lsns.get(i);
            out.add(new Tick(y(l), l.toString(), l.toString()));
        }
        return out;
    }

    /**
     * How many leading hex digits all keys other than {@link Key#MIN} and {@link Key#MAX} share (relation, database
     * and tablespace, typically), capped so that {@link #KEY_LABEL_DIGITS} digits stay; with fewer than two such
     * keys, everything but the last digits (fork and block).
     */
    int elidedPrefix() {
        List<String> inner = keys.stream().filter(k -> !k.equals(Key.MIN) && !k.equals(Key.MAX))
                .map(Key::toString).toList();
        int cap = Key.HEX_LENGTH - KEY_LABEL_DIGITS;
        if (inner.size() < 2) {
            return cap;
        }
        String first = inner.get(0);
        String last = inner.get(inner.size() - 1);
        int p = 0;
        while (p < cap && first.charAt(p) == last.charAt(p)) {
            p++;
        }
        return p;
    }

    static String keyLabel(Key key, int elidedPrefix) {
        if (key.equals(Key.MIN)) {
            return "MIN";
        }
        if (key.equals(Key.MAX)) {
            return "MAX";
        }
        String hex = key.toString();
        return elidedPrefix == 0 ? hex : "\u2026" + hex.substring(elidedPrefix);
    }

    /** The y of the applied GC cutoff line, when there is a cutoff. */
    Optional<Integer> gcCutoffY() {
        return gcCutoffShown() ? Optional.of(y(info.appliedGcCutoffLsn())) : Optional.empty();
    }
}
