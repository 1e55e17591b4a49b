package io.strata.io.uring;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.buffer.MemoryRegion;
import io.strata.io.file.DirectFile;
import io.strata.io.file.Errno;
import io.strata.io.file.FileIds;
import io.strata.io.file.Handoff;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenFileSites;
import io.strata.io.file.OpenMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.BufferUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The io_uring engine: one ring per event loop thread (Netty 4.2's IoUringIoHandler), each owning a slot table
 * indexed by the 16-bit completion data. Operations from a ring's own loop stay on that ring (no thread hop);
 * operations from other threads are spread round-robin.
 */
public final class UringIoEngine implements IoEngine {
    static final int O_WRONLY = 0x1;
    static final int O_RDWR = 0x2;
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;
    static final int O_DIRECTORY = 0x10000;
    static final int O_CLOEXEC = 0x80000;
    /** x86_64 value; other architectures differ, and this engine ships only the x86_64 native library. */
    static final int O_DIRECT = 0x4000;

    private final IoConfig config;
    private final MultiThreadIoEventLoopGroup group;
    private final Ring[] rings;
    /** The rings' poll-mode handlers; empty without poll mode. */
    private final List<PollingIoHandler> pollers = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextRing = new AtomicInteger();
    private final AtomicInteger openFiles = new AtomicInteger();
    /** Engines not closed yet, so that a leak check can sum their ring slots without holding references. */
    private static final Set<UringIoEngine> LIVE = ConcurrentHashMap.newKeySet();
    private static final Logger log = LoggerFactory.getLogger(UringIoEngine.class);
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_COLLAPSE = 25;
    /** {@code -Dstrata.io.hugePages=false} turns {@link #adviseHugePages} off (for comparisons). */
    public static final String HUGE_PAGES_PROPERTY = "strata.io.hugePages";

    /** Whether io_uring can be used here (kernel, seccomp, native library). */
    public static boolean isAvailable() {
        return IoUring.isAvailable();
    }

    /** Why io_uring cannot be used, or null. */
    public static Throwable unavailabilityCause() {
        return IoUring.unavailabilityCause();
    }

    public UringIoEngine(IoConfig config) {
        IoUring.ensureAvailability();
        this.config = config;
        int cq = Integer.highestOneBit(Math.max(config.ringSize() * 2, config.maxInFlight() * 2 - 1)) * 2;
        if (cq < config.maxInFlight() * 2) {
            cq *= 2;
        }
        // Netty warned of completion queue overflows at 1024 entries with 256 operations in flight (getpage at
        // qd 128, early submission on), which the slot table should make impossible; until that is understood,
        // leave ample room (16 bytes an entry; the kernel's limit is 65536)
        cq = Math.max(cq, Math.min(1 << 16, Math.max(4096, Integer.highestOneBit(config.maxInFlight()) * 16)));
        IoUringIoHandlerConfig handlerConfig = new IoUringIoHandlerConfig()
                .setRingSize(config.ringSize())
                .setCqSize(Math.min(cq, 1 << 20));
        IoHandlerFactory handlers = IoUringIoHandler.newFactory(handlerConfig);
        Map<Executor, PollingIoHandler> pollers = new ConcurrentHashMap<>();
        boolean poll = config.pollMicros() > 0;
        if (poll) {
            handlers = PollingIoHandler.wrap(handlers, TimeUnit.MICROSECONDS.toNanos(config.pollMicros()), pollers);
        }
        this.group = new MultiThreadIoEventLoopGroup(config.rings(), new DefaultThreadFactory("strata-uring", true),
                handlers);
        List<Ring> made = new ArrayList<>();
        try {
            int i = 0;
            for (EventExecutor e : group) {
                Ring ring = new Ring(i++, (IoEventLoop) e, config.maxInFlight(), poll);
                ring.register();
                PollingIoHandler poller = pollers.get(e);
                if (poller != null) {
                    poller.attach(ring);
                    this.pollers.add(poller);
                }
                made.add(ring);
            }
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("could not register io_uring rings", e);
        }
        this.rings = made.toArray(new Ring[0]);
        LIVE.add(this);
    }

    @Override
    public IoEngineKind kind() {
        return IoEngineKind.URING;
    }

    @Override
    public String describe() {
        return "io_uring (" + rings.length + " ring" + (rings.length == 1 ? "" : "s") + " x " + config.ringSize()
                + " entries, " + config.maxInFlight() + " in flight per ring"
                + (earlySubmit() ? ", early submit" : "")
                + (config.pollMicros() > 0 ? ", poll " + config.pollMicros() + " us" : "")
                + (config.readAlignment() < config.alignment() ? ", reads aligned to " + config.readAlignment() : "")
                + ")";
    }

    /** Loop iterations, over all rings, that reaped without sleeping in poll mode (0 without it); racy. */
    long pollingIterations() {
        long n = 0;
        for (PollingIoHandler p : pollers) {
            n += p.polls();
        }
        return n;
    }

    /**
     * Submission entries queued on the ring of the calling loop thread and not yet given to the kernel (tests of the
     * submission timing); -1 off the rings' loops or without early submission.
     */
    int queuedOnThisLoop() {
        for (Ring r : rings) {
            if (r.inLoop()) {
                return r.queuedEntries();
            }
        }
        return -1;
    }

    /**
     * Whether every ring submits the entries a completion queued right away instead of after the whole burst of
     * completions: on unless {@code -Dstrata.io.uring.earlySubmit=false}, when Netty's internals allow it.
     */
    public boolean earlySubmit() {
        for (Ring r : rings) {
            if (!r.earlySubmit()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Mono<Long> adviseHugePages(AlignedBufferPool pool) {
        if (!Boolean.parseBoolean(System.getProperty(HUGE_PAGES_PROPERTY, "true"))) {
            return Mono.just(0L);
        }
        return Flux.fromIterable(pool.hugePageRegions())
                .concatMap(r -> madvise(r, MADV_HUGEPAGE, "MADV_HUGEPAGE")
                        .flatMap(ok -> ok ? madvise(r, MADV_COLLAPSE, "MADV_COLLAPSE") : Mono.just(false))
                        .map(ok -> ok ? r.length() : 0L))
                .reduce(0L, Long::sum);
    }

    /** One madvise(2) of {@code r} through the ring (IORING_OP_MADVISE, kernel 5.6+); false when refused. */
    private Mono<Boolean> madvise(MemoryRegion r, int advice, String name) {
        return Mono.<Integer>create(sink -> pick().submit(new MadviseOp(r, advice, SimpleOp.Callback.of(sink))))
                .map(res -> true)
                .onErrorResume(e -> {
                    // EINVAL: no THP in this kernel (or no MADV_COLLAPSE before 6.1); EAGAIN/ENOMEM: no huge page
                    // free now. Either way the memory stays in small pages and works the same.
                    log.debug("{} of {} bytes at 0x{} refused: {}", name, r.length(), Long.toHexString(r.address()),
                            e.toString());
                    return Mono.just(false);
                });
    }

    /** The ring of the calling loop thread, else the next one round-robin. */
    Ring pick() {
        for (Ring r : rings) {
            if (r.inLoop()) {
                return r;
            }
        }
        return rings[(nextRing.getAndIncrement() & Integer.MAX_VALUE) % rings.length];
    }

    void fileClosed() {
        openFiles.decrementAndGet();
    }

    /** Files open now (tests check that none leak). */
    public int openFiles() {
        return openFiles.get();
    }

    /**
     * Ring slots holding an operation in the kernel now, over this engine's rings. Read from outside the loops,
     * so approximate while operations run; exact once they have settled.
     */
    public int slotsInFlight() {
        int n = 0;
        for (Ring r : rings) {
            n += r.inFlight();
        }
        return n;
    }

    /** {@link #slotsInFlight()} summed over every engine not closed yet (a test's leak check). */
    public static int slotsInFlightAllEngines() {
        int n = 0;
        for (UringIoEngine e : LIVE) {
            n += e.slotsInFlight();
        }
        return n;
    }

    /** Operations submitted to the kernel so far, over all rings (approximate while running). */
    public long submittedOps() {
        long n = 0;
        for (Ring r : rings) {
            n += r.submittedOps();
        }
        return n;
    }

    @Override
    public Mono<DirectFile> open(Path path, OpenMode mode) {
        Path abs = path.toAbsolutePath();
        int flags = O_DIRECT | O_CLOEXEC | switch (mode) {
            case READ -> 0;
            case CREATE_NEW_WRITE -> O_RDWR | O_CREAT | O_EXCL;
            case READ_WRITE -> O_RDWR;
        };
        int alignment = config.alignment();
        int readAlignment = config.readAlignment();
        Throwable site = OpenFileSites.capture(abs);
        return Mono.<DirectFile>create(sink -> {
            ByteBuffer cpath = cString(abs);
            Handoff<DirectFile> handoff = new Handoff<>(sink, f -> f.close().subscribe(null, e -> { }));
            // openat(AT_FDCWD, path, flags, 0644): addr = path, len = mode, union3 = open flags
            pick().submit(new SimpleOp("open(" + mode + ")", abs, -1, UringOp.OP_OPENAT, UringOp.AT_FDCWD, 0,
                    BufferUtil.address(cpath), 0644, flags, cpath, new SimpleOp.Callback() {
                        @Override
                        public void success(int fd) {
                            openFiles.incrementAndGet();
                            DirectFile f = new UringDirectFile(UringIoEngine.this, abs, FileIds.next(), mode, fd,
                                    alignment, readAlignment);
                            OpenFileSites.opened(f, site);
                            handoff.deliver(f);
                        }

                        @Override
                        public void error(Throwable error) {
                            handoff.fail(error);
                        }
                    }, null));
        });
    }

    @Override
    public Mono<Void> rename(Path from, Path to) {
        return Mono.<Integer>create(sink -> {
            // Both NUL-terminated paths in one native buffer: old at 0, new right after.
            byte[] a = from.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
            byte[] b = to.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
            ByteBuffer mem = ByteBuffer.allocateDirect(a.length + b.length + 2);
            mem.put(a).put((byte) 0).put(b).put((byte) 0).flip();
            long base = BufferUtil.address(mem);
            // renameat(AT_FDCWD, from, AT_FDCWD, to, 0): addr = old path, len = new dir fd, off = new path
            pick().submit(new SimpleOp("rename to " + to, from, -1, UringOp.OP_RENAMEAT, UringOp.AT_FDCWD,
                    base + a.length + 1, base, UringOp.AT_FDCWD, 0, mem, SimpleOp.Callback.of(sink), null));
        }).then();
    }

    @Override
    public Mono<Void> deleteIfExists(Path path) {
        return Mono.<Integer>create(sink -> {
            ByteBuffer p = cString(path.toAbsolutePath());
            pick().submit(new SimpleOp("unlink", path, -1, UringOp.OP_UNLINKAT, UringOp.AT_FDCWD, 0,
                    BufferUtil.address(p), 0, 0, p, SimpleOp.Callback.of(sink), null));
        }).onErrorResume(e -> e instanceof IoOperationException io && io.errno() == Errno.ENOENT, e -> Mono.just(0))
                .then();
    }

    @Override
    public Mono<Void> fsyncDirectory(Path dir) {
        Path abs = dir.toAbsolutePath();
        // Once started, open-fsync-close runs to its end even if the caller cancels: a cancel between the open and
        // the close would leak the directory's descriptor.
        return Mono.defer(() -> Mono.fromFuture(openFsyncClose(abs).toFuture(), true));
    }

    private Mono<Void> openFsyncClose(Path abs) {
        return Mono.<Integer>create(sink -> {
            ByteBuffer p = cString(abs);
            pick().submit(new SimpleOp("open directory", abs, -1, UringOp.OP_OPENAT, UringOp.AT_FDCWD, 0,
                    BufferUtil.address(p), 0, O_DIRECTORY | O_CLOEXEC, p, SimpleOp.Callback.of(sink), null));
        }).flatMap(fd -> fdOp("fsync directory", abs, UringOp.OP_FSYNC, fd)
                .onErrorResume(e -> fdOp("close directory", abs, UringOp.OP_CLOSE, fd).then(Mono.error(e)))
                .then(fdOp("close directory", abs, UringOp.OP_CLOSE, fd)))
                .then();
    }

    private Mono<Integer> fdOp(String name, Path path, byte opcode, int fd) {
        return Mono.create(sink -> pick().submit(new SimpleOp(name, path, -1, opcode, fd, 0, 0, 0, 0, null,
                SimpleOp.Callback.of(sink), null)));
    }

    private static ByteBuffer cString(Path p) {
        byte[] bytes = p.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length + 1);
        b.put(bytes).put((byte) 0).flip();
        return b;
    }

    @Override
    public void close() {
        LIVE.remove(this);
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public String toString() {
        return describe();
    }
}
