package io.strata.perf;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The human table of the layer benchmarks: one row per kind and value size, fio's figure beside Strata's. */
final class LayerTable {
    private LayerTable() {
    }

    static void print(PrintWriter out, List<LayerComparison> rows) {
        List<String> header = List.of("kind", "value", "values", "file MiB", "seconds", "payload MiB/s",
                "file MiB/s", "values/s", "cpu us/value", "cpu cores", "fio MiB/s", "file/fio");
        List<List<String>> cells = new ArrayList<>();
        for (LayerComparison c : rows) {
            LayerRun r = c.median();
            List<String> row = new ArrayList<>();
            row.add(c.plan().kind().optionName());
            row.add(Sizes.format(c.plan().valueSize()));
            row.add(Long.toString(r.values()));
            row.add(ResultTable.num(r.fileBytes() / (double) Sizes.MIB, 1));
            row.add(ResultTable.num(r.seconds(), 2));
            row.add(ResultTable.num(r.payloadMibPerSec(), 1));
            row.add(ResultTable.num(r.fileMibPerSec(), 1));
            row.add(ResultTable.num(r.valuesPerSec(), 0));
            row.add(ResultTable.num(r.cpuUsPerValue(), 3));
            row.add(ResultTable.num(r.cpuCores(), 2));
            row.add(ResultTable.num(c.fioMibPerSec(), 1));
            row.add(ResultTable.num(c.fileRatio(), 3));
            cells.add(row);
        }
        ResultTable.printRows(out, header, cells, Set.of("kind"));
    }
}
