package io.strata.engine.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What a model check did: operations by kind and reads checked, counted as they happen (readers included). */
public final class ModelCheckStats {
    private final Map<ModelOp, LongAdder> ops = new EnumMap<>(ModelOp.class);
    /** Pages a step's check compared with the model. */
    final LongAdder pagesChecked = new LongAdder();
    /** Reads a step's check expected to be refused (below the GC cutoff, missing keys), and were. */
    final LongAdder refusalsChecked = new LongAdder();
    /** Pages concurrent readers compared with the model. */
    final LongAdder concurrentPages = new LongAdder();
    /** Concurrent reads refused with a GC cutoff error while GC moved the cutoff past them (allowed). */
    final LongAdder concurrentRefusals = new LongAdder();
    /** Branches and leases refused as the model expected. */
    final LongAdder requestsRefused = new LongAdder();

    ModelCheckStats() {
        for (ModelOp op : ModelOp.values()) {
            ops.put(op, new LongAdder());
        }
    }

    void op(ModelOp op) {
        ops.get(op).increment();
    }

    public long operations(ModelOp op) {
        return ops.get(op).sum();
    }

    public long operations() {
        return ops.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long pagesChecked() {
        return pagesChecked.sum();
    }

    public long refusalsChecked() {
        return refusalsChecked.sum();
    }

    public long concurrentPages() {
        return concurrentPages.sum();
    }

    public long concurrentRefusals() {
        return concurrentRefusals.sum();
    }

    public long requestsRefused() {
        return requestsRefused.sum();
    }

    /** Every read checked: pages compared and refusals verified, by steps and by concurrent readers. */
    public long readsChecked() {
        return pagesChecked() + refusalsChecked() + concurrentPages() + concurrentRefusals();
    }

    /** One line for progress output. */
    public String summary() {
        return operations() + " operations (" + operations(ModelOp.RESTART) + " restarts), " + readsChecked()
                + " reads checked (" + pagesChecked() + " pages, " + refusalsChecked() + " refusals, "
                + concurrentPages() + " concurrent pages, " + concurrentRefusals() + " concurrent refusals)";
    }

    /** The counters as JSON: {@code operations} by kind, reads by kind. */
    public ObjectNode toJson() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        ObjectNode o = root.putObject("operations");
        for (ModelOp op : ModelOp.values()) {
            o.put(op.label(), operations(op));
        }
        root.put("operations_total", operations());
        root.put("restarts", operations(ModelOp.RESTART));
        root.put("reads_checked", readsChecked());
        root.put("pages_checked", pagesChecked());
        root.put("refusals_checked", refusalsChecked());
        root.put("concurrent_pages_checked", concurrentPages());
        root.put("concurrent_refusals", concurrentRefusals());
        root.put("requests_refused", requestsRefused());
        return root;
    }
}
