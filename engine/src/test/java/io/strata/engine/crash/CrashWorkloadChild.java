package io.strata.engine.crash;

import io.strata.engine.compaction.gc.CompactOptions;
import io.strata.engine.compaction.gc.GcCompaction;
import io.strata.engine.compaction.image.ImageLayerCreation;
import io.strata.engine.compaction.image.ImageLayerCreationConfig;
import io.strata.engine.compaction.image.ImageLayerCreationMode;
import io.strata.engine.compaction.legacy.LegacyCompaction;
import io.strata.engine.compaction.legacy.Level0Compaction;
import io.strata.engine.key.Lsn;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.engine.timeline.GcConfig;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.timeline.TimelineTestSupport;
import io.strata.engine.timeline.Workload;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.Alignment;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoEngines;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The child JVM of {@link SigkillCrashTest}: opens the engine on a data directory (creating the tenant and timeline
 * the first time; {@code OPENING} before the open, {@code READY <generation> <disk-consistent LSN> <uptime>}
 * after it), resumes the deterministic {@link Workload} just above the disk-consistent LSN, and runs until it
 * is killed: ingest in the background (flushes follow from rolls), and on the main thread a seeded random sequence
 * of maintenance operations, each announced as {@code PHASE <op> begin} and {@code PHASE <op> end}: explicit
 * flushes, L0 compaction, image layer creation, legacy GC and gc-compaction. Every advance of the disk-consistent
 * LSN is acknowledged by appending {@code durable <lsn>} to the ack file and forcing it to disk, after the engine
 * made it durable, as a WAL sender would record what it may forget. The io engine reports each layer and index
 * write ({@link StepMarkingIoEngine}). BlockHound is installed unless {@code -Dstrata.crash.blockhound=false}: a
 * blocking call on a non-blocking thread prints {@code ERROR} and ends the child, as does any failed operation.
 *
 * <p>Arguments: data directory, ack file, seed, io engine ({@code uring}, {@code filechannel}, {@code auto}).
 */
public final class CrashWorkloadChild {
    static final Workload WORKLOAD = new Workload(Lsn.of(0x10000), 61, 240);
    static final long CHECKPOINT_DISTANCE = 32 * 1024;
    /** Records per ingest batch, and the pause between batches: about 3,000 records a second at most. */
    static final int BATCH = 16;
    static final Duration BATCH_PAUSE = Duration.ofMillis(5);
    static final long MAX_RECORDS = 2_000_000;
    static final ImageLayerCreationConfig IMAGES = ImageLayerCreationConfig.defaults()
            .withCompactionTargetSize(16 * 8192L);
    private static final Duration OP_TIMEOUT = Duration.ofSeconds(60);

    private static final LinkedBlockingQueue<String> OUT = new LinkedBlockingQueue<>();
    private static final LinkedBlockingQueue<Lsn> ACKS = new LinkedBlockingQueue<>();

    private CrashWorkloadChild() {
    }

    /** Output goes through one printer thread: printing blocks, which no non-blocking thread may do. */
    static void say(String line) {
        OUT.offer(line);
    }

    /**
     * Small layers so that a few seconds make many flushes, compactions and index updates; no background
     * compaction (the child runs it itself, announced); GC decided by the horizon alone, with no lease grace after
     * a restart, so that GC runs in every child.
     */
    static EngineConfig config(IoEngineKind kind) {
        EngineConfig c = TimelineTestSupport.config(CHECKPOINT_DISTANCE, kind);
        return c.withTimeline(c.timeline().withMaxFrozenLayers(2).withGc(new GcConfig(0, Duration.ZERO,
                Duration.ZERO)));
    }

    public static void main(String[] args) throws Exception {
        if (Boolean.parseBoolean(System.getProperty("strata.crash.blockhound", "true"))) {
            BlockHound.builder()
                    .allowBlockingCallsInside("io.netty.channel.uring.IoUringIoHandler", "destroy")
                    .install();
        }
        Path dataDir = Path.of(args[0]);
        Path ackFile = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        IoEngineKind kind = IoEngineKind.parse(args[3]);
        daemon("printer", () -> {
            while (true) {
                System.out.println(OUT.take());
                System.out.flush();
            }
        });
        try (FileChannel acks = FileChannel.open(ackFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            daemon("acker", () -> {
                while (true) {
                    Lsn lsn = ACKS.take();
                    acks.write(ByteBuffer.wrap(("durable " + lsn.value() + "\n").getBytes(StandardCharsets.UTF_8)));
                    acks.force(false);
                }
            });
            run(dataDir, seed, kind);
        } catch (Throwable e) {
            StringBuilder sb = new StringBuilder("ERROR " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                sb.append(" / caused by ").append(c);
            }
            System.out.println(sb);
            e.printStackTrace();
            System.out.flush();
            System.exit(3);
        }
    }

    private static void run(Path dataDir, long seed, IoEngineKind kind) throws Exception {
        EngineConfig config = config(kind);
        Files.createDirectories(dataDir);
        IoEngine real = IoEngines.create(config.io().withAlignment(Alignment.forDirectory(dataDir)));
        IoEngine io = new StepMarkingIoEngine(real, CrashWorkloadChild::say, 4000);
        say("OPENING");
        StrataEngine engine = StrataEngine.open(dataDir, config, io).block(OP_TIMEOUT);
        Tenant tenant = engine.tenantOrCreate(TimelineTestSupport.TENANT).block(OP_TIMEOUT);
        Optional<Timeline> existing = tenant.timeline(TimelineTestSupport.TIMELINE);
        Timeline t = existing.isPresent() ? existing.get()
                : tenant.createTimeline(TimelineTestSupport.TIMELINE, WORKLOAD.start).block(OP_TIMEOUT);
        say("READY " + tenant.generation().value() + " " + t.diskConsistentLsn().value() + " "
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() + "ms");
        t.diskConsistentLsns().skip(1).subscribe(ACKS::offer, e -> { });

        // the WAL sender resends from just above what is durable
        long from = WORKLOAD.indexAtOrBelow(t.diskConsistentLsn()) + 1;
        Flux<List<IngestRecord>> batches = Flux.<List<IngestRecord>, Long>generate(() -> from, (i, sink) -> {
            if (i > MAX_RECORDS) {
                sink.complete();
            } else {
                sink.next(WORKLOAD.batches(i, Math.min(i + BATCH - 1, MAX_RECORDS), BATCH).get(0));
            }
            return i + BATCH;
        }).delayElements(BATCH_PAUSE);
        t.ingest(batches).subscribe(null, e -> {
            say("ERROR ingest failed: " + e);
            e.printStackTrace();
        });

        Random random = new Random(seed);
        AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 64, 4096);
        ImageLayerCreation images = new ImageLayerCreation(t, IMAGES);
        while (true) {
            Thread.sleep(random.nextInt(40));
            int pick = random.nextInt(10);
            String op = switch (pick) {
                case 0, 1 -> "flush";
                case 2, 3 -> "compaction";
                case 4, 5 -> "image";
                case 6, 7 -> "gc";
                default -> "gc-compaction";
            };
            say("PHASE " + op + " begin");
            Object result = switch (op) {
                case "flush" -> t.freezeAndFlush().block(OP_TIMEOUT);
                case "compaction" -> Level0Compaction.compactLevel0(t, Level0Compaction.Options.of(t.config())
                        .withTargetFileSize(64 * 1024).withForce(random.nextBoolean()), pool)
                        .map(Level0Compaction.Result::outcome).block(OP_TIMEOUT);
                case "image" -> LegacyCompaction.createImageLayers(images, random.nextInt(3) == 0
                        ? ImageLayerCreationMode.TRY : ImageLayerCreationMode.FORCE, false).block(OP_TIMEOUT);
                case "gc" -> gc(tenant, t, random);
                default -> GcCompaction.compactWithGc(t, CompactOptions.defaultForGcCompactionUnitTests()
                                .withSubCompaction(random.nextBoolean(), OptionalLong.of(1)), pool)
                        .map(r -> r.outcome()).block(OP_TIMEOUT);
            };
            say("PHASE " + op + " end " + result);
        }
    }

    /** Legacy GC with a cutoff a few hundred to a few thousand records below the last record. */
    private static Object gc(Tenant tenant, Timeline t, Random random) {
        long keep = Workload.STEP * (200L + random.nextInt(3000));
        return tenant.gcIteration(Optional.of(TimelineTestSupport.TIMELINE), keep, Duration.ZERO)
                .map(m -> m.values().stream().map(r -> r.newCutoff() + " removed " + r.removed().size()).toList())
                .block(OP_TIMEOUT);
    }

    private interface Loop {
        void run() throws Exception;
    }

    private static void daemon(String name, Loop body) {
        Thread th = new Thread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                System.out.println("ERROR " + name + ": " + e);
                System.out.flush();
                System.exit(4);
            }
        }, name);
        th.setDaemon(true);
        th.start();
    }
}
