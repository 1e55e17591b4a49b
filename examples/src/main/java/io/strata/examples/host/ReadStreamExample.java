package io.strata.examples.host;

import io.strata.engine.compaction.CompactionConfig;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.key.TenantId;
import io.strata.engine.key.TimelineId;
import io.strata.engine.read.Page;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * A tiny host service: embeds the engine, ingests pages, and subscribes to a vectored read stream of a key range with
 * backpressure ({@code limitRate}): the engine reads the next batch of keys only as the consumer asks for pages.
 *
 * <pre>java -cp examples/target/strata.jar io.strata.examples.host.ReadStreamExample --data /tmp/x</pre>
 * or {@code java -jar examples/target/strata.jar example --data /tmp/x}.
 */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Host-service example: embed the engine, ingest pages, read them back as a backpressured stream.")
public final class ReadStreamExample implements Callable<Integer> {
    private static final TenantId TENANT = TenantId.parse("00000000000000000000000000000e01");
    private static final TimelineId TIMELINE = TimelineId.parse("00000000000000000000000000000e02");

    @Option(names = "--data", defaultValue = "strata-data", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--pages", defaultValue = "5000", description = "Pages to ingest and read (default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--rate", defaultValue = "64", description = "Pages requested at a time (default: ${DEFAULT-VALUE}).")
    int rate;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReadStreamExample()).execute(args));
    }

    static Key key(int i) {
        return Key.fromI128(0, 0x1000_0000L + i);
    }

    @Override
    public Integer call() {
        if (pages < 1 || rate < 1) {
            throw new IllegalArgumentException("--pages and --rate must be positive");
        }
        // background compaction off: a demo of the read path, not of compaction
        EngineConfig config = EngineConfig.defaults().withCompaction(CompactionConfig.defaults().withEnabled(false));
        StrataEngine engine = StrataEngine.open(data, config).block(Duration.ofMinutes(5));
        try {
            Tenant tenant = engine.tenantOrCreate(TENANT).block(Duration.ofMinutes(1));
            Timeline tl = tenant.timeline(TIMELINE)
                    .orElseGet(() -> tenant.createTimeline(TIMELINE, Lsn.of(0x10)).block(Duration.ofMinutes(1)));
            // a new generation of every page, above what the timeline holds already
            long base = tl.lastRecordLsn().value() + 8;
            List<List<IngestRecord>> batches = new ArrayList<>();
            for (int i = 0; i < pages; i += 256) {
                List<IngestRecord> batch = new ArrayList<>();
                for (int j = i; j < Math.min(pages, i + 256); j++) {
                    batch.add(new IngestRecord(key(j), Lsn.of(base + 8L * j), new Value.Image(page(j, base))));
                }
                batches.add(batch);
            }
            tl.ingest(Flux.fromIterable(batches)).block(Duration.ofMinutes(5));
            Lsn at = tl.lastRecordLsn();
            System.out.printf("ingested   %d pages into %s/%s up to %s%n", pages, TENANT, TIMELINE, at);

            AtomicLong delivered = new AtomicLong();
            AtomicLong requests = new AtomicLong();
            long t0 = System.nanoTime();
            tl.getVectored(KeySpace.single(new KeyRange(key(0), key(pages))), at)
                    .doOnRequest(n -> requests.incrementAndGet())
                    .limitRate(rate)                       // ask for `rate` pages at a time, never the whole range
                    .publishOn(Schedulers.boundedElastic(), rate) // the consumer's own thread, as a host service has
                    .doOnNext(p -> check(p, base))
                    .doOnNext(p -> delivered.incrementAndGet())
                    .then().block(Duration.ofMinutes(5));
            double sec = (System.nanoTime() - t0) / 1e9;
            System.out.printf("streamed   %d pages at %s in %.2f s (%.0f pages/s) in %d requests of at most %d, "
                    + "every page checked%n", delivered.get(), at, sec, delivered.get() / sec, requests.get(), rate);
            tl.freezeAndFlush().block(Duration.ofMinutes(5));
            System.out.printf("durable    up to %s%n", tl.diskConsistentLsn());
        } finally {
            engine.close().block(Duration.ofMinutes(5));
        }
        return 0;
    }

    private static byte[] page(int i, long base) {
        return ("page " + i + " @" + Long.toHexString(base)).getBytes(StandardCharsets.UTF_8);
    }

    private static void check(Page p, long base) {
        int i = (int) (p.key().toI128Lo() - 0x1000_0000L);
        String want = new String(page(i, base), StandardCharsets.UTF_8);
        String got = new String(p.bytes(), StandardCharsets.UTF_8);
        if (!want.equals(got)) {
            throw new IllegalStateException("key " + p.key() + ": expected '" + want + "', read '" + got + "'");
        }
    }
}
