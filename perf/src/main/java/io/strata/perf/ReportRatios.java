package io.strata.perf;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Every ratio a benchmark's JSON line reports (fields named {@code ratio*}, {@code *ratio*} or {@code vs_*}, and
 * the entries of {@code ratios} objects), each with a readable place: array elements are named by their identifying
 * fields (qd, case, path, kind, mode, value size) rather than by index.
 */
final class ReportRatios {
    private static final List<String> IDS = List.of("mode", "kind", "case", "path", "value_bytes", "qd", "name");

    /** One ratio: the benchmark, where in its report, the field, the value. */
    record Ratio(String benchmark, String where, String field, double value) {
        String label() {
            return benchmark + (where.isEmpty() ? "" : " " + where) + " " + meaning();
        }

        /** What is divided by what, in words. */
        String meaning() {
            String peer = where.contains("rocksdb") || field.startsWith("rocksdb_") ? "RocksDB" : "Strata";
            return switch (field) {
                case "ratio_vs_fio", "rocksdb_ratio_vs_fio", "ratio", "ratio_to_fio_seq_read" -> peer + " / fio";
                case "ratio_vs_rocksdb", "vs_rocksdb" -> "Strata / RocksDB";
                case "vs_neon" -> "Strata / Neon";
                default -> field;
            };
        }
    }

    private ReportRatios() {
    }

    static List<Ratio> of(JsonNode root) {
        List<Ratio> out = new ArrayList<>();
        walk(root.path("benchmark").asText("?"), "", root, false, out);
        return out;
    }

    private static void walk(String benchmark, String where, JsonNode node, boolean inRatios, List<Ratio> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                JsonNode v = e.getValue();
                if (v.isNumber() && (inRatios || isRatio(name))) {
                    out.add(new Ratio(benchmark, where.strip(), name, v.asDouble()));
                } else if (v.isObject()) {
                    boolean ratios = name.equals("ratios");
                    String sub = ratios || name.equals("target") ? where : where + " " + name;
                    if (!name.equals("target") && !name.equals("stats")) {
                        walk(benchmark, sub, v, ratios, out);
                    }
                } else if (v.isArray()) {
                    for (JsonNode el : v) {
                        walk(benchmark, where + " " + name + id(el), el, false, out);
                    }
                }
            }
        }
    }

    private static boolean isRatio(String name) {
        return name.startsWith("ratio") || name.contains("_ratio") || name.startsWith("vs_");
    }

    private static String id(JsonNode el) {
        if (!el.isObject()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String k : IDS) {
            JsonNode v = el.get(k);
            if (v != null && v.isValueNode()) {
                sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v.asText());
            }
        }
        return sb.length() == 0 ? "" : "[" + sb + "]";
    }
}
