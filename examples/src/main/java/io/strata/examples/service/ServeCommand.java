package io.strata.examples.service;

import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.Timeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code strata serve}: runs the engine behind the HTTP API until SIGTERM or SIGINT, then stops accepting, lets the
 * requests in flight finish, flushes and fsyncs every timeline, and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve Strata's HTTP API (Neon's pageserver management API plus ingest and page reads) over "
                + "an embedded engine.",
                "SIGTERM or SIGINT stops accepting, finishes requests in flight, flushes, fsyncs and exits 0."},
        footerHeading = "%nSettings (YAML file keys, --set KEY=VALUE), with their defaults:%n%n")
public final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--data", description = "Data directory (overrides data_dir; default: strata-data).")
    Path data;

    @Option(names = "--port", description = "Port (overrides listen_port; default: 7878; 0: any free port).")
    Integer port;

    @Option(names = "--host", description = "Address to listen on (overrides listen_host; default: 127.0.0.1).")
    String host;

    @Option(names = "--config", description = "YAML configuration file (see examples/strata.yaml).")
    Path config;

    @Option(names = "--set", description = "Override one setting, KEY=VALUE (repeatable), e.g. --set "
            + "checkpoint_distance=16777216.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--print-config", description = "Print the effective configuration (YAML with comments) and "
            + "exit.")
    boolean printConfig;

    /** The footer of {@code --help}: every setting with its default. */
    public static String settingsHelp() {
        return ServiceConfig.describeDefaults().replace("%", "%%");
    }

    @Override
    public Integer call() throws Exception {
        ServiceConfig c = ServiceConfig.load(config, overrides());
        if (printConfig) {
            System.out.print(ServiceConfig.describe(c));
            return 0;
        }
        CountDownLatch stop = new CountDownLatch(1);
        // Handling the signals ourselves (instead of letting the JVM run shutdown hooks and exit 143) lets the
        // drain and flush finish on this thread and the process exit 0. Installed before the engine opens: a
        // SIGTERM during startup stops the service as soon as it is up.
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> {
                log.info("SIG{} received", s.getName());
                stop.countDown();
            });
        }
        StrataService service = StrataService.start(c, ServiceRoutes.api());
        Duration drain = Duration.ofSeconds(c.shutdownTimeoutSeconds);
        // any other way out (System.exit elsewhere) still drains and flushes
        Thread hook = new Thread(() -> service.shutdown(drain).block(drain.plusMinutes(5)), "strata-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println("strata: listening on " + service.url() + " (HTTP transport "
                + service.httpTransport() + ", io engine " + service.engine().ioEngine().describe() + ", data "
                + service.engine().dataDirectory() + ")");
        System.out.println("strata: layer map pages at " + service.url() + "ui");
        for (Tenant t : service.engine().tenants()) {
            for (Timeline tl : t.timelines()) {
                System.out.println("strata: timeline " + service.url() + "ui/tenant/" + t.id() + "/timeline/"
                        + tl.id());
            }
        }
        System.out.flush();
        stop.await();
        service.shutdown(drain).block(drain.plusMinutes(5));
        Runtime.getRuntime().removeShutdownHook(hook);
        System.out.println("strata: stopped, every timeline flushed");
        return 0;
    }

    private Map<String, String> overrides() {
        Map<String, String> o = new LinkedHashMap<>(settings);
        if (data != null) {
            o.put("data_dir", data.toString());
        }
        if (port != null) {
            o.put("listen_port", Integer.toString(port));
        }
        if (host != null) {
            o.put("listen_host", host);
        }
        return o;
    }
}
