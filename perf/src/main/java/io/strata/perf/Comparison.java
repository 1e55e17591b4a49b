package io.strata.perf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of every engine at one queue depth (and mode, for io-seq), run back to back so they saw the same
 * device conditions, with the ratios that matter: each Strata engine against fio, and against the better of fio
 * and the FileChannel engine. With several rounds, an engine's figures are those of its median round by IOPS (one
 * real run, not a mix of runs); all rounds' IOPS are kept for the JSON report.
 */
final class Comparison {
    static final String FIO = "fio";

    private final String mode; // null for a benchmark with one mode
    private final int qd;
    private final Map<String, List<EngineResult>> rounds = new LinkedHashMap<>();
    private final Map<String, EngineResult> byEngine = new LinkedHashMap<>();

    Comparison(String mode, int qd) {
        this.mode = mode;
        this.qd = qd;
    }

    String mode() {
        return mode;
    }

    int qd() {
        return qd;
    }

    void add(EngineResult r) {
        List<EngineResult> all = rounds.computeIfAbsent(r.engine(), k -> new ArrayList<>());
        all.add(r);
        List<EngineResult> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingDouble(EngineResult::iops));
        byEngine.put(r.engine(), sorted.get((sorted.size() - 1) / 2));
    }

    /** The latest round of {@code engine}. */
    EngineResult last(String engine) {
        List<EngineResult> all = rounds.get(engine);
        return all.get(all.size() - 1);
    }

    /** Each engine's result: its median round. */
    Map<String, EngineResult> results() {
        return byEngine;
    }

    /** IOPS of {@code engine} over fio's, or NaN without fio. */
    double ratioVsFio(String engine) {
        return ratio(engine, iops(FIO));
    }

    /** IOPS of {@code engine} over the better of fio and strata-filechannel (whichever ran), or NaN. */
    double ratioVsBest(String engine) {
        return ratio(engine, Math.max(iops(FIO), iops(BenchEngine.FILECHANNEL.label())));
    }

    private double ratio(String engine, double base) {
        double v = iops(engine);
        return v > 0 && base > 0 ? v / base : Double.NaN;
    }

    private double iops(String engine) {
        EngineResult r = byEngine.get(engine);
        return r == null ? 0 : r.iops();
    }

    /** {@code {"qd":..,"engines":{label:{..}},"ratios":{"strata_uring/fio":..}}}. */
    ObjectNode toJson(boolean withBest) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (mode != null) {
            n.put("mode", mode);
        }
        n.put("qd", qd);
        ObjectNode engines = n.putObject("engines");
        byEngine.forEach((label, r) -> {
            ObjectNode e = r.toJson();
            List<EngineResult> all = rounds.get(label);
            if (all.size() > 1) {
                ArrayNode iops = e.putArray("iops_rounds");
                all.forEach(x -> iops.add(Math.round(x.iops())));
            }
            engines.set(label, e);
        });
        ObjectNode ratios = n.putObject("ratios");
        for (BenchEngine e : BenchEngine.values()) {
            if (!byEngine.containsKey(e.label())) {
                continue;
            }
            if (byEngine.containsKey(FIO)) {
                EngineResult.put(ratios, e.ratioKey() + "/fio", ratioVsFio(e.label()), 3);
            }
            if (withBest && e != BenchEngine.FILECHANNEL) {
                EngineResult.put(ratios, e.ratioKey() + "/best(fio," + BenchEngine.FILECHANNEL.ratioKey() + ")",
                        ratioVsBest(e.label()), 3);
            }
        }
        if (byEngine.containsKey(BenchEngine.URING.label()) && byEngine.containsKey(BenchEngine.FILECHANNEL.label())) {
            EngineResult.put(ratios, BenchEngine.URING.ratioKey() + "/" + BenchEngine.FILECHANNEL.ratioKey(),
                    ratio(BenchEngine.URING.label(), iops(BenchEngine.FILECHANNEL.label())), 3);
        }
        return n;
    }
}
