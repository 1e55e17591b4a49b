package io.strata.perf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The machine-readable summary: one JSON object on one line, the last line a benchmark prints. */
final class JsonReport {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonReport() {
    }

    static String line(String benchmark, IoBenchOptions io, long block, String fioVersion,
                       List<Comparison> comparisons, boolean withBest) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("benchmark", benchmark);
        root.put("file", io.file.toAbsolutePath().toString());
        root.put("size_bytes", io.size);
        root.put("block_bytes", block);
        root.put("seconds", io.seconds);
        root.put("warmup_seconds", io.warmupSeconds);
        root.put("rounds", io.rounds);
        root.put("uring_rings", io.rings);
        if (fioVersion == null) {
            root.putNull("fio");
        } else {
            root.put("fio", fioVersion);
        }
        putHost(root);
        ArrayNode results = root.putArray("results");
        for (Comparison c : comparisons) {
            results.add(c.toJson(withBest));
        }
        return write(root);
    }

    /** {@code "host": {"cpus":..,"os":..,"java":..}}. */
    static void putHost(ObjectNode root) {
        ObjectNode host = root.putObject("host");
        host.put("cpus", Runtime.getRuntime().availableProcessors());
        host.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        host.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** The report as one line. */
    static String write(ObjectNode root) {
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the JSON report", e);
        }
    }
}
