package io.strata.perf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The figures of one engine at one queue depth, from Strata's harness or from fio.
 *
 * @param engine      {@code fio}, {@code strata-uring} or {@code strata-filechannel}
 * @param ops         operations completed inside the measured window
 * @param seconds     the measured window
 * @param cpuUsPerOp  CPU time per operation in microseconds: the whole JVM process for Strata engines, fio's job
 *                    thread (usr + sys) for fio
 */
public record EngineResult(String engine, int qd, long ops, double seconds, double iops, double mibPerSec,
                           double p50Us, double p99Us, double p999Us, double cpuUsPerOp) {

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("engine", engine);
        n.put("qd", qd);
        n.put("ops", ops);
        put(n, "seconds", seconds, 3);
        put(n, "iops", iops, 1);
        put(n, "mib_per_s", mibPerSec, 2);
        put(n, "lat_p50_us", p50Us, 2);
        put(n, "lat_p99_us", p99Us, 2);
        put(n, "lat_p99_9_us", p999Us, 2);
        put(n, "cpu_us_per_op", cpuUsPerOp, 3);
        return n;
    }

    /** Puts a rounded number, or null for a figure that is unknown (NaN), keeping the line valid JSON. */
    static void put(ObjectNode n, String key, double v, int decimals) {
        if (Double.isFinite(v)) {
            double scale = Math.pow(10, decimals);
            n.put(key, Math.round(v * scale) / scale);
        } else {
            n.putNull(key);
        }
    }
}
