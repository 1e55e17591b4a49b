package io.strata.perf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One row of a layer benchmark: every round of Strata's write or scan of one layer, and of fio's sequential pass
 * run just before it. The row shows the median round of each by MiB/s (a real round, not a mix), and the ratio
 * of Strata's file MiB/s to fio's.
 */
final class LayerComparison {
    private final LayerPlan plan;
    private final List<LayerRun> runs = new ArrayList<>();
    private final List<EngineResult> fio = new ArrayList<>();
    private String layerPath;

    LayerComparison(LayerPlan plan) {
        this.plan = plan;
    }

    LayerPlan plan() {
        return plan;
    }

    void add(LayerRun r, String path) {
        runs.add(r);
        layerPath = path;
    }

    void addFio(EngineResult r) {
        fio.add(r);
    }

    /** fio's latest round's MiB/s. */
    double lastFioMibPerSec() {
        return fio.get(fio.size() - 1).mibPerSec();
    }

    boolean hasFio() {
        return !fio.isEmpty();
    }

    /** Strata's median round by file MiB/s. */
    LayerRun median() {
        List<LayerRun> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(LayerRun::fileMibPerSec));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** fio's median round by MiB/s, or null without fio. */
    EngineResult fioMedian() {
        if (fio.isEmpty()) {
            return null;
        }
        List<EngineResult> sorted = new ArrayList<>(fio);
        sorted.sort(Comparator.comparingDouble(EngineResult::mibPerSec));
        return sorted.get((sorted.size() - 1) / 2);
    }

    double fioMibPerSec() {
        EngineResult f = fioMedian();
        return f == null ? Double.NaN : f.mibPerSec();
    }

    /** Strata's file MiB/s over fio's (both medians), or NaN without fio. */
    double fileRatio() {
        double f = fioMibPerSec();
        return f > 0 ? median().fileMibPerSec() / f : Double.NaN;
    }

    /** Strata's value payload MiB/s over fio's, or NaN without fio. */
    double payloadRatio() {
        double f = fioMibPerSec();
        return f > 0 ? median().payloadMibPerSec() / f : Double.NaN;
    }

    /**
     * {@code {"kind":..,"value_bytes":..,"layer":..,"strata":{..},"fio":{..},"ratios":{..}}}.
     *
     * @param target the least file ratio wanted for this row, or NaN for none
     */
    ObjectNode toJson(double target) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("kind", plan.kind().optionName());
        n.put("value_bytes", plan.valueSize());
        if (plan.kind() == LayerKind.DELTA) {
            n.put("keys", plan.keys());
        }
        n.put("layer", layerPath);
        ObjectNode strata = median().toJson();
        if (runs.size() > 1) {
            ArrayNode rounds = strata.putArray("file_mib_per_s_rounds");
            runs.forEach(r -> rounds.add(Math.round(r.fileMibPerSec() * 100) / 100.0));
        }
        n.set("strata", strata);
        EngineResult f = fioMedian();
        if (f == null) {
            n.putNull("fio");
        } else {
            ObjectNode fj = f.toJson();
            if (fio.size() > 1) {
                ArrayNode rounds = fj.putArray("mib_per_s_rounds");
                fio.forEach(r -> rounds.add(Math.round(r.mibPerSec() * 100) / 100.0));
            }
            n.set("fio", fj);
        }
        ObjectNode ratios = n.putObject("ratios");
        EngineResult.put(ratios, "file/fio", fileRatio(), 3);
        EngineResult.put(ratios, "payload/fio", payloadRatio(), 3);
        if (!Double.isNaN(target)) {
            if (hasFio()) {
                n.put("meets_target", fileRatio() >= target);
            } else {
                n.putNull("meets_target");
            }
        }
        return n;
    }
}
