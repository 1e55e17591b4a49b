package io.strata.engine.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What a model check did: operations by kind and reads checked, counted as they happen (readers included). */
public final class ModelCheckStats {
    private final Map<ModelOp, LongAdder> ops = new EnumMap<>(ModelOp.class);
    /** Historic layers each kind of operation added and removed (so a run shows it changed layers at all). */
    private final Map<ModelOp, LongAdder> layersAdded = new EnumMap<>(ModelOp.class);
    private final Map<ModelOp, LongAdder> layersRemoved = new EnumMap<>(ModelOp.class);
    /** Pages a step's check compared with the model. */
    final LongAdder pagesChecked = new LongAdder();
    /** Reads a step's check expected to be refused (below the GC cutoff, missing keys), and were. */
    final LongAdder refusalsChecked = new LongAdder();
    /** Pages concurrent readers compared with the model. */
    final LongAdder concurrentPages = new LongAdder();
    /** Concurrent reads refused with a GC cutoff error while GC moved the cutoff past them (allowed). */
    final LongAdder concurrentRefusals = new LongAdder();
    /** Branches and leases refused as the model expected, and gc-compaction jobs refused without a change. */
    final LongAdder requestsRefused = new LongAdder();

    ModelCheckStats() {
        for (ModelOp op : ModelOp.values()) {
            ops.put(op, new LongAdder());
            layersAdded.put(op, new LongAdder());
            layersRemoved.put(op, new LongAdder());
        }
    }

    void op(ModelOp op) {
        ops.get(op).increment();
    }

    void layers(ModelOp op, long added, long removed) {
        layersAdded.get(op).add(added);
        layersRemoved.get(op).add(removed);
    }

    public long layersAdded(ModelOp op) {
        return layersAdded.get(op).sum();
    }

    public long layersRemoved(ModelOp op) {
        return layersRemoved.get(op).sum();
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
        ObjectNode added = root.putObject("layers_added");
        ObjectNode removed = root.putObject("layers_removed");
        for (ModelOp op : ModelOp.values()) {
            if (layersAdded(op) + layersRemoved(op) > 0) {
                added.put(op.label(), layersAdded(op));
                removed.put(op.label(), layersRemoved(op));
            }
        }
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
