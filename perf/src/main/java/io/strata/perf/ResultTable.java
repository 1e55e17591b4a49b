package io.strata.perf;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The human-readable table: one row per engine per queue depth (and mode), columns right-aligned. */
final class ResultTable {
    private ResultTable() {
    }

    static void print(PrintWriter out, List<Comparison> comparisons, boolean withMode, boolean withBest) {
        List<String> header = new ArrayList<>();
        if (withMode) {
            header.add("mode");
        }
        header.addAll(List.of("qd", "engine", "iops", "MiB/s", "p50 us", "p99 us", "p99.9 us", "cpu us/op",
                "vs fio"));
        if (withBest) {
            header.add("vs best(fio,fc)");
        }
        List<List<String>> rows = new ArrayList<>();
        for (Comparison c : comparisons) {
            for (EngineResult r : c.results().values()) {
                List<String> row = new ArrayList<>();
                if (withMode) {
                    row.add(c.mode());
                }
                row.add(Integer.toString(c.qd()));
                row.add(r.engine());
                row.add(num(r.iops(), 0));
                row.add(num(r.mibPerSec(), 1));
                row.add(num(r.p50Us(), 1));
                row.add(num(r.p99Us(), 1));
                row.add(num(r.p999Us(), 1));
                row.add(num(r.cpuUsPerOp(), 2));
                row.add(num(c.ratioVsFio(r.engine()), 3));
                if (withBest) {
                    row.add(num(c.ratioVsBest(r.engine()), 3));
                }
                rows.add(row);
            }
        }
        printRows(out, header, rows, Set.of("mode", "engine"));
    }

    /** Prints {@code header}, a rule and {@code rows}; columns named in {@code leftAligned} are left-aligned. */
    static void printRows(PrintWriter out, List<String> header, List<List<String>> rows,
                          Set<String> leftAligned) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        boolean[] left = new boolean[header.size()];
        for (int i = 0; i < left.length; i++) {
            left[i] = leftAligned.contains(header.get(i));
        }
        out.println(line(header, width, left));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        out.println(rule);
        for (List<String> row : rows) {
            out.println(line(row, width, left));
        }
    }

    private static String line(List<String> cells, int[] width, boolean[] left) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append("  ");
            }
            String cell = cells.get(i);
            String pad = " ".repeat(width[i] - cell.length());
            sb.append(left[i] ? cell + pad : pad + cell);
        }
        return sb.toString().stripTrailing();
    }

    static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format("%." + decimals + "f", v) : "-";
    }
}
