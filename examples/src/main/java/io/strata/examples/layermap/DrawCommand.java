package io.strata.examples.layermap;

import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.ShutdownMode;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.Timeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata timeline draw}: the layer map picture of one timeline as a file, SVG (Neon's {@code pagectl
 * draw-timeline}) or a standalone HTML page with hover and zoom. The engine is opened with background compaction
 * off and shut down without flushing, so no layer is written or removed; opening still does what every open does
 * (takes the tenant's next generation, removes temporary files and files the index does not name).
 */
@Command(name = "draw", mixinStandardHelpOptions = true,
        description = {"Draw a timeline's layers in key x LSN space (images, deltas, L0, in-memory) into FILE: "
                + "SVG for .svg, a self-contained page with hover and zoom for .html."})
final class DrawCommand implements Callable<Integer> {
    private static final Duration T = Duration.ofMinutes(5);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The engine's data directory.")
    Path data;

    @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "Tenant id (32 hex digits).")
    String tenant;

    @Option(names = "--timeline", required = true, paramLabel = "TIMELINE", description = "Timeline id (32 hex digits).")
    String timeline;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file: *.svg or *.html.")
    Path out;

    @Override
    public Integer call() throws Exception {
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean svg = name.endsWith(".svg");
        if (!svg && !name.endsWith(".html")) {
            throw new IllegalArgumentException(out + ": the output must end in .svg or .html");
        }
        TenantId tenantId = TenantId.parse(tenant);
        TimelineId timelineId = TimelineId.parse(timeline);
        if (!Files.isDirectory(data.resolve("tenants"))) {
            throw new IllegalArgumentException(data + ": not a Strata data directory (no tenants/ in it)");
        }
        EngineConfig config = EngineConfig.defaults().withCompaction(CompactionConfig.defaults().withEnabled(false));
        StrataEngine engine = StrataEngine.open(data, config).block(T);
        LayerMapInfo info;
        try {
            Tenant t = engine.tenant(tenantId).orElseThrow(() -> new IllegalArgumentException(
                    "no tenant " + tenantId + " in " + data + " (tenants: " + engine.tenants().stream()
                            .map(x -> x.id().toString()).collect(Collectors.joining(", ")) + ")"));
            Timeline tl = t.timeline(timelineId).orElseThrow(() -> new IllegalArgumentException(
                    "no timeline " + timelineId + " in tenant " + tenantId + " of " + data + " (timelines: "
                            + t.timelines().stream().map(x -> x.id().toString()).collect(Collectors.joining(", "))
                            + ")"));
            // visibility is computed by compaction, which has not run in this process
            tl.updateLayerVisibility();
            info = LayerMapInfo.of(tenantId, tl);
        } finally {
            engine.shutdown(ShutdownMode.HARD).block(T);
        }
        String content = svg ? LayerMapSvg.render(info) : LayerMapPage.standalone(info);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, content, StandardCharsets.UTF_8);
        spec.commandLine().getOut().println(out + ": " + info.imageCount() + " image, " + info.l1Count()
                + " delta, " + info.l0Count() + " L0, " + info.inMemoryLayers().size() + " in-memory layers");
        return 0;
    }
}
