package io.strata.perf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads fio's {@code --output-format=json} report of one job into an {@link EngineResult}: IOPS, bandwidth,
 * completion-latency percentiles ({@code clat_ns}) and CPU per operation from the job's usr/sys CPU.
 */
final class FioJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private FioJson() {
    }

    /**
     * Parses fio's output. fio may print warnings before the JSON object; they are skipped.
     *
     * @param direction {@code read} or {@code write}: which half of the job's figures to take
     */
    static EngineResult parse(String output, String direction, int qd) {
        return parse(output, direction, qd, 0);
    }

    /** Like {@link #parse(String, String, int)}, for job {@code jobIndex} of a run of several jobs. */
    static EngineResult parse(String output, String direction, int qd, int jobIndex) {
        int start = output.indexOf('{');
        if (start < 0) {
            throw new IllegalArgumentException("fio printed no JSON: " + abbreviate(output));
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(output.substring(start));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("fio's JSON does not parse: " + e.getOriginalMessage(), e);
        }
        JsonNode job = root.path("jobs").path(jobIndex);
        if (job.isMissingNode()) {
            throw new IllegalArgumentException("fio's JSON has no jobs[" + jobIndex + "]");
        }
        int error = job.path("error").asInt(0);
        if (error != 0) {
            throw new IllegalArgumentException("fio job '" + job.path("jobname").asText() + "' failed with error "
                    + error);
        }
        JsonNode d = job.path(direction);
        if (d.isMissingNode() || !d.has("iops")) {
            throw new IllegalArgumentException("fio's JSON has no jobs[" + jobIndex + "]." + direction + ".iops");
        }
        long ops = d.path("total_ios").asLong(d.path("io_bytes").asLong(0) / Math.max(1, d.path("bs").asLong(1)));
        double seconds = d.path("runtime").asDouble(Double.NaN) / 1e3; // ms
        double iops = d.path("iops").asDouble();
        // bw_bytes is bytes/s; older fio has only bw, in KiB/s
        double bytesPerSec = d.has("bw_bytes") ? d.path("bw_bytes").asDouble() : d.path("bw").asDouble() * 1024;
        JsonNode pct = d.path("clat_ns").path("percentile");
        double cpuPercent = job.path("usr_cpu").asDouble(Double.NaN) + job.path("sys_cpu").asDouble(Double.NaN);
        // usr+sys are percent of one CPU over the run: CPU seconds per second, divided by ops per second
        double cpuUsPerOp = iops > 0 ? cpuPercent / 100.0 / iops * 1e6 : Double.NaN;
        return new EngineResult("fio", qd, ops, seconds, iops, bytesPerSec / Sizes.MIB,
                percentileUs(pct, "50.000000"), percentileUs(pct, "99.000000"), percentileUs(pct, "99.900000"),
                cpuUsPerOp);
    }

    private static double percentileUs(JsonNode percentiles, String key) {
        JsonNode v = percentiles.get(key);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble() / 1e3;
    }

    static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 400 ? t : t.substring(0, 400) + "...";
    }
}
