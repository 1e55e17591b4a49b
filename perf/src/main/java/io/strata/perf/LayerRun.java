package io.strata.perf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One timed write or scan of one layer.
 *
 * @param values       values written or read
 * @param payloadBytes value bytes (image bytes, or the WAL record bytes of delta values), without headers
 * @param fileBytes    the layer file's size
 * @param nanos        wall time: create to finish (fsync and rename included) for writes; iterator subscription
 *                     to its completion for scans
 * @param cpuNanos     CPU time of the whole JVM process over the same window (all threads: caller, engine
 *                     event loop, GC, JIT), or -1 when the JVM cannot tell
 */
record LayerRun(long values, long payloadBytes, long fileBytes, long nanos, long cpuNanos) {
    double seconds() {
        return nanos / 1e9;
    }

    double payloadMibPerSec() {
        return nanos <= 0 ? Double.NaN : payloadBytes / (double) Sizes.MIB / seconds();
    }

    double fileMibPerSec() {
        return nanos <= 0 ? Double.NaN : fileBytes / (double) Sizes.MIB / seconds();
    }

    double valuesPerSec() {
        return nanos <= 0 ? Double.NaN : values / seconds();
    }

    double cpuUsPerValue() {
        return cpuNanos < 0 || values == 0 ? Double.NaN : cpuNanos / 1e3 / values;
    }

    /** Process CPU time over wall time: 1.0 is one core busy for the whole run. */
    double cpuCores() {
        return cpuNanos < 0 || nanos <= 0 ? Double.NaN : cpuNanos / (double) nanos;
    }

    ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("values", values);
        n.put("payload_bytes", payloadBytes);
        n.put("file_bytes", fileBytes);
        EngineResult.put(n, "seconds", seconds(), 3);
        EngineResult.put(n, "payload_mib_per_s", payloadMibPerSec(), 2);
        EngineResult.put(n, "file_mib_per_s", fileMibPerSec(), 2);
        EngineResult.put(n, "values_per_s", valuesPerSec(), 0);
        EngineResult.put(n, "cpu_us_per_value", cpuUsPerValue(), 4);
        EngineResult.put(n, "cpu_cores", cpuCores(), 3);
        return n;
    }
}
