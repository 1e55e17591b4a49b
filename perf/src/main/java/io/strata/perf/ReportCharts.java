package io.strata.perf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** The report's PNG charts (XChart), one per benchmark that has a natural picture, and one of all ratios. */
final class ReportCharts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private ReportCharts() {
    }

    /** Writes {@code dir/<benchmark>.png} if the benchmark has a chart; returns its file name. */
    static Optional<String> write(JsonNode root, Path dir) throws IOException {
        String b = root.path("benchmark").asText();
        CategoryChart chart = switch (b) {
            case "getpage" -> getpage(root);
            case "scan" -> scan(root);
            case "ingest" -> ingest(root);
            case "jmh" -> jmh(root);
            default -> null;
        };
        if (chart == null) {
            return Optional.empty();
        }
        return Optional.of(save(chart, dir, b));
    }

    /** The headline: Strata against fio and RocksDB, and RocksDB against fio, in one chart (1.0 = parity). */
    static Optional<String> ratios(List<ReportRatios.Ratio> ratios, Path dir) throws IOException {
        List<String> x = new ArrayList<>();
        List<Number> y = new ArrayList<>();
        for (ReportRatios.Ratio r : ratios) {
            if (HEADLINE.contains(r.meaning())) {
                x.add(shorten(r));
                y.add(r.value());
            }
        }
        if (x.isEmpty()) {
            return Optional.empty();
        }
        CategoryChart c = chart("Side by side: Strata / fio, RocksDB / fio, Strata / RocksDB (1.0 = parity)", "",
                "ratio", Math.max(WIDTH, 60 * x.size()), HEIGHT + 200);
        c.getStyler().setXAxisLabelRotation(60);
        c.getStyler().setLegendVisible(false);
        c.addSeries("ratio", x, clean(y));
        return Optional.of(save(c, dir, "ratios"));
    }

    private static final java.util.Set<String> HEADLINE = java.util.Set.of("Strata / fio", "RocksDB / fio",
            "Strata / RocksDB");

    /** A short bar label: the benchmark, the row's identity without field names, what is divided by what. */
    private static String shorten(ReportRatios.Ratio r) {
        String where = r.where().replaceAll("^(uncached|results|rocksdb)", "").replaceAll("value_bytes=[0-9]+", "")
                .replaceAll("(case|path|qd|mode|kind)=", "").replace("[", "").replace("]", "")
                .replaceAll(",+", " ").strip();
        return (r.benchmark() + " " + where + " " + r.meaning().replace(" / ", "/")).replaceAll(" +", " ");
    }

    private static CategoryChart getpage(JsonNode root) {
        List<String> qd = new ArrayList<>();
        List<Number> fio = new ArrayList<>();
        List<Number> strata = new ArrayList<>();
        List<Number> rocks = new ArrayList<>();
        for (JsonNode r : root.path("uncached")) {
            qd.add("qd " + r.path("qd").asInt());
            fio.add(num(r.path("fio_iops")));
            strata.add(num(r.path("gets_per_s")));
            rocks.add(num(r.path("rocksdb_gets_per_s")));
        }
        CategoryChart c = chart("getpage: random 8 KiB page gets (uncached) vs fio randread IOPS", "queue depth",
                "per second", WIDTH, HEIGHT);
        addIfAny(c, "fio randread IOPS", qd, fio);
        addIfAny(c, "Strata gets/s", qd, strata);
        addIfAny(c, "RocksDB gets/s", qd, rocks);
        return c;
    }

    private static CategoryChart scan(JsonNode root) {
        List<String> x = new ArrayList<>();
        List<Number> y = new ArrayList<>();
        x.add("fio seq read");
        y.add(num(root.path("fio_mib_per_s")));
        x.add("Strata getVectored");
        y.add(num(root.path("mib_per_s")));
        x.add("RocksDB iterator");
        y.add(num(root.path("rocksdb").path("mib_per_s")));
        CategoryChart c = chart("scan: " + root.path("keys").asInt() + " pages of 8 KiB in key order", "", "MiB/s",
                WIDTH, HEIGHT);
        c.getStyler().setLegendVisible(false);
        c.addSeries("MiB/s", x, clean(y));
        return c;
    }

    private static CategoryChart ingest(JsonNode root) {
        List<String> cases = new ArrayList<>();
        List<Number> layer = new ArrayList<>();
        List<Number> timeline = new ArrayList<>();
        List<Number> rocks = new ArrayList<>();
        for (JsonNode r : root.path("results")) {
            String cs = r.path("case").asText();
            int i = cases.indexOf(cs);
            if (i < 0) {
                cases.add(cs);
                layer.add(Double.NaN);
                timeline.add(Double.NaN);
                rocks.add(Double.NaN);
                i = cases.size() - 1;
            }
            (r.path("path").asText().equals("timeline") ? timeline : layer).set(i, num(r.path("mib_per_s")));
            if (r.has("rocksdb_mib_per_s")) {
                rocks.set(i, num(r.path("rocksdb_mib_per_s")));
            }
        }
        CategoryChart c = chart("ingest: Neon's bench_ingest cases, MiB/s of values", "case", "MiB/s", WIDTH + 200,
                HEIGHT);
        c.getStyler().setXAxisLabelRotation(30);
        addIfAny(c, "Strata in-memory layer", cases, layer);
        addIfAny(c, "Strata timeline", cases, timeline);
        addIfAny(c, "RocksDB (no WAL)", cases, rocks);
        return c;
    }

    private static CategoryChart jmh(JsonNode root) {
        List<String> x = new ArrayList<>();
        List<Number> y = new ArrayList<>();
        for (JsonNode r : root.path("results")) {
            StringBuilder name = new StringBuilder(r.path("name").asText());
            r.path("params").fields().forEachRemaining(e -> name.append(' ').append(e.getValue().asText()));
            x.add(name.toString());
            y.add(num(r.path("score")));
        }
        CategoryChart c = chart("JMH: hot-path microbenchmarks (log scale)", "", "ns/op", WIDTH + 200, HEIGHT + 150);
        c.getStyler().setYAxisLogarithmic(true);
        // bars start at the axis minimum, which a log axis cannot place at 0
        double min = y.stream().mapToDouble(Number::doubleValue).filter(v -> v > 0).min().orElse(1);
        c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        c.getStyler().setXAxisLabelRotation(30);
        c.getStyler().setLegendVisible(false);
        c.addSeries("ns/op", x, clean(y));
        return c;
    }

    private static CategoryChart chart(String title, String xTitle, String yTitle, int width, int height) {
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        return c;
    }

    private static void addIfAny(CategoryChart c, String name, List<String> x, List<Number> y) {
        if (y.stream().anyMatch(v -> Double.isFinite(v.doubleValue()))) {
            c.addSeries(name, x, clean(y));
        }
    }

    /** XChart skips null bars but cannot scale an axis with NaN in it. */
    private static List<Number> clean(List<Number> y) {
        List<Number> out = new ArrayList<>(y.size());
        for (Number v : y) {
            out.add(Double.isFinite(v.doubleValue()) ? v : null);
        }
        return out;
    }

    private static double num(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }

    private static String save(CategoryChart chart, Path dir, String name) throws IOException {
        String file = name + ".png";
        BitmapEncoder.saveBitmap(chart, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
