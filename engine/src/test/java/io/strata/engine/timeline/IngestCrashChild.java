package io.strata.engine.timeline;

import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerName;
import io.strata.engine.tenant.EngineConfig;
import io.strata.engine.tenant.StrataEngine;
import io.strata.engine.tenant.Tenant;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoEngines;
import io.strata.io.file.OpenMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The child JVM of {@link CrashRecoveryTest}: opens the engine on a data directory (creating tenant and timeline the
 * first time), resumes the {@link Workload} just above the disk-consistent LSN and ingests until killed, printing
 * {@code READY <generation> <dcl>}, then {@code DURABLE <lsn>} each time the disk-consistent LSN advances. With a
 * phase other than {@code ingest}, once {@code armAfter} advances were printed, the next time the flush reaches that
 * phase it prints {@code PHASE <phase>} and holds that operation forever, so that the parent's SIGKILL lands exactly
 * there. BlockHound is installed: a blocking call on an event loop or a Reactor non-blocking thread makes the child
 * print {@code ERROR} and exit before the parent kills it.
 *
 * <p>Arguments: data directory, phase ({@code ingest}, {@code layer-write}, {@code layer-renamed},
 * {@code index-temp}, {@code index-renamed}), armAfter, io engine ({@code uring}, {@code filechannel}, {@code auto}).
 */
public final class IngestCrashChild {
    static final Workload WORKLOAD = new Workload(Lsn.of(0x10000), 61, 300);
    static final long CHECKPOINT_DISTANCE = 32 * 1024;
    static final long MAX_RECORDS = 200_000;

    private static final LinkedBlockingQueue<String> OUT = new LinkedBlockingQueue<>();

    /** Lines go through one printer thread: printing is blocking I/O, never done on a non-blocking thread. */
    static void say(String line) {
        OUT.offer(line);
    }

    static EngineConfig config(IoEngineKind kind) {
        EngineConfig c = TimelineTestSupport.config(CHECKPOINT_DISTANCE, kind);
        return c.withTimeline(c.timeline().withMaxFrozenLayers(2));
    }

    public static void main(String[] args) throws Exception {
        BlockHound.builder()
                .allowBlockingCallsInside("io.netty.channel.uring.IoUringIoHandler", "destroy")
                .install();
        Thread printer = new Thread(() -> {
            try {
                while (true) {
                    System.out.println(OUT.take());
                    System.out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "printer");
        printer.setDaemon(true);
        printer.start();

        Path dataDir = Path.of(args[0]);
        String phase = args[1];
        int armAfter = Integer.parseInt(args[2]);
        IoEngineKind kind = IoEngineKind.parse(args[3]);
        EngineConfig config = config(kind);
        java.nio.file.Files.createDirectories(dataDir);
        IoEngine real = IoEngines.create(config.io().withAlignment(io.strata.io.file.Alignment.forDirectory(dataDir)));
        PhaseEngine engine = new PhaseEngine(real, phase);
        try {
            StrataEngine strata = StrataEngine.open(dataDir, config, engine).block(Duration.ofSeconds(60));
            Tenant tenant = strata.tenantOrCreate(TimelineTestSupport.TENANT).block(Duration.ofSeconds(60));
            Timeline t = tenant.timeline(TimelineTestSupport.TIMELINE).orElse(null);
            if (t == null) {
                t = tenant.createTimeline(TimelineTestSupport.TIMELINE, WORKLOAD.start).block(Duration.ofSeconds(60));
            }
            Timeline timeline = t;
            say("READY " + tenant.generation().value() + " " + timeline.diskConsistentLsn().value());
            AtomicInteger advances = new AtomicInteger();
            timeline.diskConsistentLsns().skip(1).subscribe(lsn -> {
                say("DURABLE " + lsn.value());
                if (advances.incrementAndGet() >= armAfter) {
                    engine.armed.set(true);
                }
            }, e -> { });
            long from = WORKLOAD.indexAtOrBelow(timeline.diskConsistentLsn()) + 1;
            Flux<List<IngestRecord>> batches = Flux.generate(() -> from, (i, sink) -> {
                long to = Math.min(i + 15, MAX_RECORDS);
                if (i > MAX_RECORDS) {
                    sink.complete();
                } else {
                    sink.next(WORKLOAD.batches(i, to, 16).get(0));
                }
                return to + 1;
            });
            timeline.ingest(batches).block();
            say("INGESTED");
            Thread.sleep(Long.MAX_VALUE);
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

    /** Holds the chosen step of a flush forever once armed, after announcing it. */
    static final class PhaseEngine implements IoEngine {
        private final IoEngine delegate;
        private final String phase;
        final AtomicBoolean armed = new AtomicBoolean();
        private final AtomicBoolean fired = new AtomicBoolean();

        PhaseEngine(IoEngine delegate, String phase) {
            this.delegate = delegate;
            this.phase = phase;
        }

        private boolean fire(String p) {
            return phase.equals(p) && armed.get() && fired.compareAndSet(false, true);
        }

        private static boolean isIndex(Path p) {
            return p.getFileName().toString().equals(IndexPart.FILE_NAME);
        }

        private <T> Mono<T> hold(String p, Path path, Mono<T> m) {
            return m.flatMap(v -> {
                say("PHASE " + p + " " + path.getFileName());
                return Mono.<T>never();
            });
        }

        @Override
        public io.strata.io.file.IoEngineKind kind() {
            return delegate.kind();
        }

        @Override
        public String describe() {
            return "phase-hooked " + delegate.describe();
        }

        @Override
        public Mono<DirectFile> open(Path path, OpenMode mode) {
            Mono<DirectFile> m = delegate.open(path, mode);
            String n = path.getFileName().toString();
            if (mode == OpenMode.CREATE_NEW_WRITE && n.endsWith(LayerName.TEMP_FILE_SUFFIX)
                    && !n.startsWith(IndexPart.FILE_NAME) && n.contains("__") && fire("layer-write")) {
                // the temporary layer file exists; its writes never come
                return hold("layer-write", path, m);
            }
            return m;
        }

        @Override
        public Mono<Void> rename(Path from, Path to) {
            if (isIndex(to) && fire("index-temp")) {
                // the new index is written and fsynced under its temporary name, never renamed
                return Mono.fromRunnable(() -> say("PHASE index-temp " + from.getFileName())).then(Mono.never());
            }
            Mono<Void> m = delegate.rename(from, to);
            if (isIndex(to) && fire("index-renamed")) {
                return m.then(Mono.fromRunnable(() -> say("PHASE index-renamed " + to.getFileName())))
                        .then(Mono.never());
            }
            if (!isIndex(to) && to.getFileName().toString().contains("__") && fire("layer-renamed")) {
                return m.then(Mono.fromRunnable(() -> say("PHASE layer-renamed " + to.getFileName())))
                        .then(Mono.never());
            }
            return m;
        }

        @Override
        public Mono<Void> deleteIfExists(Path path) {
            return delegate.deleteIfExists(path);
        }

        @Override
        public Mono<Void> fsyncDirectory(Path dir) {
            return delegate.fsyncDirectory(dir);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private IngestCrashChild() {
    }
}
