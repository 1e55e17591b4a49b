package io.strata.examples.service;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code strata gc}: Neon's manual GC ({@code PUT .../do_gc}) on a service or a data directory. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Run legacy layer GC on a timeline: layers wholly below the cutoff (last record LSN minus the "
                + "horizon, and the PITR window) that newer images cover are removed.",
                "Prints Neon's GcResult counters as JSON."})
public final class GcCommand implements Callable<Integer> {
    @Mixin
    ServiceTarget.Options target = new ServiceTarget.Options();

    @Option(names = "--tenant", required = true, description = "Tenant id (32 hex digits).")
    String tenant;

    @Option(names = "--timeline", required = true, description = "Timeline id (32 hex digits).")
    String timeline;

    @Option(names = "--horizon", description = "Bytes of WAL to keep below the last record LSN (default: the "
            + "configured gc_horizon).")
    Long horizon;

    @Option(names = "--pitr-seconds", description = "Seconds of history to keep (default: the configured "
            + "pitr_interval_seconds; 0: the horizon decides).")
    Long pitrSeconds;

    @Override
    public Integer call() throws Exception {
        var body = Json.object();
        if (horizon != null) {
            body.put("gc_horizon", horizon);
        }
        if (pitrSeconds != null) {
            body.put("pitr_interval_seconds", pitrSeconds);
        }
        try (ServiceTarget t = ServiceTarget.open(target)) {
            System.out.println(Json.MAPPER.writeValueAsString(t.call("PUT", "/v1/tenant/" + tenant + "/timeline/"
                    + timeline + "/do_gc", Json.MAPPER.writeValueAsString(body))));
        }
        return 0;
    }
}
