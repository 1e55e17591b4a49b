package io.strata.examples.service;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strata compact}: Neon's compaction request ({@code PUT .../compact}) on a service or a data directory. */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = {"Compact a timeline: the legacy pass (L0 compaction, then image layers), or gc-compaction "
                + "(--gc) with key and LSN ranges, dry run and sub-compaction.",
                "Prints the service's JSON answer (outcome, layers removed and added, statistics)."})
public final class CompactCommand implements Callable<Integer> {
    @Mixin
    ServiceTarget.Options target = new ServiceTarget.Options();

    @Option(names = "--tenant", required = true, description = "Tenant id (32 hex digits).")
    String tenant;

    @Option(names = "--timeline", required = true, description = "Timeline id (32 hex digits).")
    String timeline;

    @Option(names = "--gc", description = "gc-compaction (Neon's enhanced_gc_bottom_most_compaction).")
    boolean gc;

    @Option(names = "--dry-run", description = "gc-compaction: do everything but write.")
    boolean dryRun;

    @Option(names = "--sub-compaction", description = "gc-compaction: split into key-range jobs.")
    boolean subCompaction;

    @Option(names = "--key-range", paramLabel = "START-END", description = "gc-compaction: keys (36 hex digits).")
    String keyRange;

    @Option(names = "--lsn-range", paramLabel = "START-END", description = "gc-compaction: LSNs (X/X).")
    String lsnRange;

    @Option(names = "--force-l0", description = "legacy: compact L0 layers below the threshold too.")
    boolean forceL0;

    @Option(names = "--force-image", description = "legacy: create image layers for every partition.")
    boolean forceImage;

    @Override
    public Integer call() throws Exception {
        List<String> q = new ArrayList<>();
        if (gc) {
            q.add("enhanced_gc_bottom_most_compaction=true");
        }
        if (dryRun) {
            q.add("dry_run=true");
        }
        if (subCompaction) {
            q.add("sub_compaction=true");
        }
        if (keyRange != null) {
            q.add("compact_key_range=" + keyRange);
        }
        if (lsnRange != null) {
            q.add("compact_lsn_range=" + lsnRange);
        }
        if (forceL0) {
            q.add("force_l0_compaction=true");
        }
        if (forceImage) {
            q.add("force_image_layer_creation=true");
        }
        String path = "/v1/tenant/" + tenant + "/timeline/" + timeline + "/compact"
                + (q.isEmpty() ? "" : "?" + String.join("&", q));
        try (ServiceTarget t = ServiceTarget.open(target)) {
            System.out.println(Json.MAPPER.writeValueAsString(t.call("PUT", path, null)));
        }
        return 0;
    }
}
