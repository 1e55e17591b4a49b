package io.strata.io.write;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.Alignment;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoEngine;
import io.strata.io.file.OpenMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A streaming, crash-safe writer of one immutable file (a layer file).
 *
 * <p>Bytes are appended into aligned buffers from a pool; each full buffer becomes one O_DIRECT write, with at
 * most {@code maxInFlight} writes in the kernel (an append that would exceed it completes only when one
 * finishes: backpressure, no thread waits). The file is preallocated ahead of the writes. An optional prefix
 * region (Neon's summary block at offset 0) is reserved at creation and written by {@link #finish}.
 *
 * <p>Everything goes to {@code <final>.<n>.___temp}. {@link #finish} pads the last block, writes the prefix,
 * truncates to the logical length, fsyncs, renames to the final name and fsyncs the directory: the final name
 * exists only with complete, durable contents. On error or cancellation the temporary file is removed.
 *
 * <p>Not thread-safe: calls must be sequential (each append subscribed after the previous one completed), as in
 * a {@code concatMap}. A concurrent call is refused.
 */
public final class DirectFileWriter {
    private static final Logger log = LoggerFactory.getLogger(DirectFileWriter.class);
    /** Neon's temporary file suffix: files being written end with it, and restart removes them. */
    public static final String TEMP_SUFFIX = "___temp";
    private static final AtomicLong TEMP_COUNTER = new AtomicLong();

    /**
     * @param reservedPrefix bytes at offset 0 left for {@link #finish(ByteBuffer)} (a multiple of the alignment)
     * @param maxInFlight    O_DIRECT writes in the kernel at once
     * @param preallocateStep bytes reserved with fallocate each time the writes reach the reserved end (0: never)
     */
    public record Options(int reservedPrefix, int maxInFlight, long preallocateStep) {
        public Options {
            if (reservedPrefix < 0) {
                throw new IllegalArgumentException("reservedPrefix must be >= 0, got " + reservedPrefix);
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
            }
            if (preallocateStep < 0) {
                throw new IllegalArgumentException("preallocateStep must be >= 0, got " + preallocateStep);
            }
        }

        public static Options defaults() {
            return new Options(0, 4, 16L << 20);
        }

        public Options withReservedPrefix(int bytes) {
            return new Options(bytes, maxInFlight, preallocateStep);
        }

        public Options withMaxInFlight(int n) {
            return new Options(reservedPrefix, n, preallocateStep);
        }

        public Options withPreallocateStep(long bytes) {
            return new Options(reservedPrefix, maxInFlight, bytes);
        }
    }

    private final IoEngine engine;
    private final AlignedBufferPool pool;
    private final DirectFile file;
    private final Path finalPath;
    private final Path tempPath;
    private final Options options;
    private final int alignment;
    /** Writes in the kernel, oldest first; each is cached and already subscribed. */
    private final ArrayDeque<Mono<Void>> inFlight = new ArrayDeque<>();
    private AlignedBuffer current;
    private int fill;
    /** File offset where {@link #current} goes. */
    private long flushedUpTo;
    private long preallocatedUpTo;
    private volatile Throwable failure;
    private boolean busy;
    private volatile boolean done;
    /** Set by abort (any thread); the append body running on another thread then cleans up when it leaves. */
    private volatile boolean abortRequested;
    /** True while the synchronous part of an append runs (it touches {@link #current}). */
    private volatile boolean appending;
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    /** Set when finish hands the rename to the kernel: cleanup then also removes the renamed file. */
    private volatile Mono<Void> renaming;
    private volatile Path renameTarget;
    /** Only a rename that succeeded makes the target ours to remove (a failed one leaves whatever was there). */
    private volatile boolean renamed;
    private static final int RENAME_NOT_STARTED = 0;
    private static final int RENAME_STARTED = 1;
    private static final int CLEANUP_CLAIMED = 2;
    /**
     * The handshake between finish's rename and cleanup, which may run on different threads: whichever moves it
     * first wins. Cleanup either sees a started rename (and undoes it) or prevents it from starting.
     */
    private final AtomicInteger renamePhase = new AtomicInteger(RENAME_NOT_STARTED);
    private final Sinks.One<Void> cleanupDone = Sinks.one();
    /**
     * Operations of {@link #finish} that run to their end even if its subscriber cancels (the prefix write, whose
     * buffer the kernel may be reading): cleanup waits for them, so that when {@link #abort} completes no buffer of
     * the writer is left in the kernel or unreleased. (The engine's directory fsync already runs to its end by
     * itself; cleanup does not wait for it, so a stuck one cannot hold the cleanup.)
     */
    private final Queue<Mono<Void>> finishOps = new ConcurrentLinkedQueue<>();

    private DirectFileWriter(IoEngine engine, AlignedBufferPool pool, DirectFile file, Path finalPath, Path tempPath,
                             Options options) {
        this.engine = engine;
        this.pool = pool;
        this.file = file;
        this.finalPath = finalPath;
        this.tempPath = tempPath;
        this.options = options;
        this.alignment = file.alignment();
        this.flushedUpTo = options.reservedPrefix();
    }

    /** The temporary name for {@code finalPath}: {@code <name>.<n>.___temp}, n a process-local hex counter. */
    public static Path tempPathFor(Path finalPath) {
        return finalPath.resolveSibling(finalPath.getFileName() + "."
                + Long.toHexString(TEMP_COUNTER.incrementAndGet()) + "." + TEMP_SUFFIX);
    }

    /** Creates the temporary file next to {@code finalPath} and a writer for it. */
    public static Mono<DirectFileWriter> create(IoEngine engine, AlignedBufferPool pool, Path finalPath,
                                                Options options) {
        return Mono.defer(() -> {
            Path temp = tempPathFor(finalPath);
            return create(engine, pool, finalPath, temp, options);
        });
    }

    /** As {@link #create(IoEngine, AlignedBufferPool, Path, Options)} with a temporary name of the caller's. */
    public static Mono<DirectFileWriter> create(IoEngine engine, AlignedBufferPool pool, Path finalPath, Path tempPath,
                                                Options options) {
        return engine.open(tempPath, OpenMode.CREATE_NEW_WRITE).map(f -> {
            if (pool.bufferSize() % f.alignment() != 0 || options.reservedPrefix() % f.alignment() != 0) {
                f.close().then(engine.deleteIfExists(tempPath)).subscribe(null, e -> { });
                throw new IllegalArgumentException("writer for " + finalPath + ": buffer size " + pool.bufferSize()
                        + " and reserved prefix " + options.reservedPrefix() + " must be multiples of the "
                        + f.alignment() + "-byte alignment");
            }
            return new DirectFileWriter(engine, pool, f, finalPath, tempPath, options);
        });
    }

    /**
     * Writes a whole file from a stream of chunks: create, append each chunk in order, finish with the prefix
     * the function computes from the writer (or null), and abort on error or cancellation. Emits the final path.
     */
    public static Mono<Path> write(IoEngine engine, AlignedBufferPool pool, Path finalPath, Options options,
                                   Publisher<ByteBuffer> chunks, Function<DirectFileWriter, ByteBuffer> prefix) {
        return Mono.usingWhen(create(engine, pool, finalPath, options),
                w -> Flux.from(chunks).concatMap(w::append, 1).then(Mono.defer(() -> w.finish(prefix.apply(w)))),
                w -> Mono.empty(),
                (w, e) -> w.abort(),
                DirectFileWriter::abort);
    }

    public Path finalPath() {
        return finalPath;
    }

    public Path tempPath() {
        return tempPath;
    }

    /** Logical bytes of the file so far, the reserved prefix included. */
    public long position() {
        return flushedUpTo + fill;
    }

    /** Writes in the kernel now. */
    public int writesInFlight() {
        return inFlight.size();
    }

    /**
     * Copies {@code src}'s remaining bytes into the file's buffers and advances its position. Completes when all
     * of them are accepted; waits (without blocking a thread) while {@code maxInFlight} writes are in the kernel.
     * Cancelling an append aborts the writer.
     */
    public Mono<Void> append(ByteBuffer src) {
        return Mono.defer(() -> {
            enter("append");
            return appendLoop(src).doOnTerminate(this::idle).doOnCancel(this::idle);
        }).doOnCancel(() -> abort().subscribe(null, e -> { }));
    }

    private void enter(String op) {
        if (done) {
            throw new IllegalStateException(op + " on finished or aborted writer for " + finalPath);
        }
        if (busy) {
            throw new IllegalStateException(op + " while another call on the writer for " + finalPath
                    + " is running: calls must be sequential");
        }
        Throwable f = failure;
        if (f != null) {
            throw new IllegalStateException("writer for " + finalPath + " failed earlier", f);
        }
        busy = true;
    }

    /** Before the terminal signal travels downstream, so the next sequential call finds the writer idle. */
    private void idle() {
        busy = false;
    }

    /**
     * The synchronous part of an append, fenced against a concurrent abort: abort sets {@code abortRequested}
     * then reads {@code appending}; this sets {@code appending} then reads {@code abortRequested} (both volatile),
     * so at least one of them sees the other and exactly one runs the cleanup.
     */
    private Mono<Void> appendLoop(ByteBuffer src) {
        if (!enterFence()) {
            return Mono.error(new IllegalStateException("writer for " + finalPath + " was aborted"));
        }
        try {
            return appendLoop0(src);
        } finally {
            exitFence();
        }
    }

    private boolean enterFence() {
        appending = true;
        if (abortRequested) {
            exitFence();
            return false;
        }
        return true;
    }

    private void exitFence() {
        appending = false;
        if (abortRequested) {
            startCleanup();
        }
    }

    private Mono<Void> appendLoop0(ByteBuffer src) {
        while (src.hasRemaining()) {
            if (current == null) {
                Mono<Void> wait = acquireBuffer();
                if (wait != null) {
                    return wait.then(Mono.defer(() -> appendLoop(src)));
                }
            }
            int n = Math.min(src.remaining(), current.capacity() - fill);
            ByteBuffer dst = current.byteBuffer();
            dst.clear().position(fill);
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + n);
            dst.put(part);
            src.position(src.position() + n);
            fill += n;
            if (fill == current.capacity()) {
                submitCurrent(fill);
            }
        }
        return Mono.empty();
    }

    /** Takes a buffer when the pool and the in-flight bound allow it now; else a Mono to wait on, then retry. */
    private Mono<Void> acquireBuffer() {
        Throwable f = failure;
        if (f != null) {
            return Mono.error(new IllegalStateException("a write to " + tempPath + " failed", f));
        }
        if (inFlight.size() >= options.maxInFlight()) {
            return inFlight.pollFirst();
        }
        AlignedBuffer b = pool.tryLease();
        if (b == null) {
            if (!inFlight.isEmpty()) {
                return inFlight.pollFirst();
            }
            return pool.lease().doOnNext(leased -> {
                if (!enterFence()) {
                    leased.release(); // aborted while we waited
                    return;
                }
                try {
                    take(leased);
                } finally {
                    exitFence();
                }
            }).then();
        }
        take(b);
        return null;
    }

    private void take(AlignedBuffer b) {
        current = b;
        fill = 0;
    }

    /** Sends the current buffer's first {@code length} bytes (aligned) to the kernel. */
    private void submitCurrent(int length) {
        AlignedBuffer b = current;
        long offset = flushedUpTo;
        current = null;
        flushedUpTo += length;
        fill = 0;
        Mono<Void> write = file.writeAll(offset, b, length)
                .doOnError(e -> failure = e)
                // before the completion travels on: once finish (or anyone) sees the write done, the buffer is back
                // (this Mono is cached and subscribed here, never cancelled)
                .doOnTerminate(b::release);
        long end = offset + length;
        if (options.preallocateStep() > 0 && end > preallocatedUpTo) {
            long from = preallocatedUpTo;
            long to = Math.max(end, preallocatedUpTo + options.preallocateStep());
            preallocatedUpTo = to;
            write = file.fallocate(from, to - from).onErrorResume(e -> {
                log.debug("fallocate of {} failed, continuing without preallocation: {}", tempPath, e.toString());
                return Mono.empty();
            }).then(write);
        }
        Mono<Void> cached = write.cache();
        cached.subscribe(null, e -> { });
        inFlight.addLast(cached);
    }

    private Mono<Void> drain() {
        Mono<Void> all = Mono.empty();
        Mono<Void> m;
        while ((m = inFlight.pollFirst()) != null) {
            all = all.then(m);
        }
        return all;
    }

    /**
     * Completes the file: pads and writes the last block, writes {@code prefix} (at most the reserved prefix;
     * null when none was reserved) at offset 0, truncates to the logical length, fsyncs, renames to the final
     * name, fsyncs the directory. Emits the final path. On failure or cancellation the temporary file is removed.
     */
    public Mono<Path> finish(ByteBuffer prefix) {
        return finish(prefix, finalPath);
    }

    /**
     * As {@link #finish(ByteBuffer)} but renames to {@code target} instead of the final path given at creation:
     * for files whose name is known only at the end (a delta layer's end key, an image layer split at a chosen
     * end key). {@code target} must be in the same directory, since only that directory is fsynced.
     */
    public Mono<Path> finish(ByteBuffer prefix, Path target) {
        if (!Objects.equals(target.toAbsolutePath().getParent(), finalPath.toAbsolutePath().getParent())) {
            return Mono.error(new IllegalArgumentException("writer for " + finalPath + " cannot finish as " + target
                    + ": not in the same directory"));
        }
        return Mono.defer(() -> {
            enter("finish");
            if (prefix != null && prefix.remaining() > options.reservedPrefix()) {
                busy = false;
                return Mono.error(new IllegalArgumentException("prefix of " + prefix.remaining() + " bytes for "
                        + finalPath + " exceeds the reserved " + options.reservedPrefix() + " bytes"));
            }
            if (prefix == null && options.reservedPrefix() > 0) {
                busy = false;
                return Mono.error(new IllegalArgumentException("writer for " + finalPath + " reserved "
                        + options.reservedPrefix() + " prefix bytes but finish got no prefix"));
            }
            long logicalLength = position();
            if (fill > 0) {
                int padded = (int) Alignment.alignUp(fill, alignment);
                ByteBuffer dst = current.byteBuffer();
                dst.clear().position(fill).limit(padded);
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                submitCurrent(padded);
            } else if (current != null) {
                current.release();
                current = null;
            }
            Mono<Void> writePrefix = prefix == null ? Mono.empty() : Mono.defer(() -> writePrefix(prefix));
            return drain()
                    .then(writePrefix)
                    .then(file.truncate(logicalLength))
                    .then(file.fsync())
                    .then(file.close())
                    .then(Mono.defer(() -> startRename(target)))
                    .then(engine.fsyncDirectory(target.toAbsolutePath().getParent()))
                    .then(Mono.fromCallable(() -> {
                        done = true;
                        return target;
                    }))
                    .onErrorResume(e -> cleanup().then(Mono.error(e)))
                    .doOnTerminate(this::idle)
                    .doOnCancel(this::idle);
        }).doOnCancel(() -> abort().subscribe(null, e -> { }));
    }

    /**
     * The rename runs detached from the subscriber: a cancel cannot stop the kernel from renaming, so cleanup
     * must be able to wait for it and then remove the file under its final name.
     */
    private Mono<Void> startRename(Path target) {
        Mono<Void> rename = engine.rename(tempPath, target).doOnSuccess(v -> renamed = true).cache();
        renameTarget = target;
        renaming = rename;
        // A cleanup that already claimed the writer must not find a file renamed behind its back.
        if (!renamePhase.compareAndSet(RENAME_NOT_STARTED, RENAME_STARTED)) {
            return Mono.error(new IllegalStateException("writer for " + finalPath + " was aborted"));
        }
        rename.subscribe(null, e -> { });
        return rename;
    }

    /** Writes the prefix at offset 0 from a buffer of its own, detached (see {@link #finishOps}). */
    private Mono<Void> writePrefix(ByteBuffer prefix) {
        int size = options.reservedPrefix();
        AlignedBuffer b = AlignedBuffer.allocate(size, alignment);
        ByteBuffer dst = b.byteBuffer();
        dst.clear();
        dst.put(prefix.duplicate());
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
        return detached(file.writeAll(0, b, size).doFinally(sig -> b.release()));
    }

    /**
     * Runs {@code op} to its end whatever the caller does, and registers it for cleanup to wait for. A cancelled
     * caller stops waiting; the operation goes on (a buffer in the kernel cannot be taken back). The form it
     * replaces (a using-when whose cancel left the buffer to the engine) leaked the buffer when the cancel came
     * before the write had reached the engine: seen once in CI on a cancelled image layer finish, and reproduced by
     * DirectFileWriterTest#aFinishCancelledDuringItsPrefixWriteLeavesNoBufferLeased.
     */
    private Mono<Void> detached(Mono<Void> op) {
        Mono<Void> running = op.cache();
        finishOps.add(running);
        running.subscribe(null, e -> { });
        return running;
    }

    /**
     * Gives up: waits for writes in the kernel, closes and removes the temporary file, and the file under its final
     * name if an unfinished {@link #finish} had already renamed it (its caller never learned of it). Idempotent; a
     * no-op after a successful finish.
     */
    public Mono<Void> abort() {
        return Mono.defer(() -> {
            if (done && !cleanedUp.get()) {
                return Mono.empty(); // finished successfully
            }
            abortRequested = true;
            if (!appending) {
                startCleanup();
            }
            return cleanupDone.asMono();
        });
    }

    /** After a failure inside finish: the caller's thread is the only one touching the writer. */
    private Mono<Void> cleanup() {
        abortRequested = true;
        startCleanup();
        return cleanupDone.asMono();
    }

    /** Runs once, when no append body is running: release, wait for the kernel, close, delete. */
    private void startCleanup() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        done = true;
        if (current != null) {
            current.release();
            current = null;
        }
        // The renamed file goes before the temp name, so "no temp file left" means the cleanup is complete.
        drain().onErrorResume(e -> Mono.empty())
                .then(Flux.fromIterable(finishOps).concatMap(op -> op.onErrorResume(e -> Mono.empty())).then())
                .then(file.close().onErrorResume(e -> Mono.empty()))
                .then(Mono.defer(() -> {
                    if (renamePhase.getAndSet(CLEANUP_CLAIMED) != RENAME_STARTED) {
                        return Mono.<Void>empty(); // no rename started, and none can start now
                    }
                    Mono<Void> rename = renaming;
                    return rename.onErrorResume(e -> Mono.empty()).then(Mono.defer(() -> !renamed ? Mono.<Void>empty()
                            : engine.deleteIfExists(renameTarget)
                                    .then(engine.fsyncDirectory(renameTarget.toAbsolutePath().getParent()))));
                }))
                .then(engine.deleteIfExists(tempPath))
                .doOnSuccess(v -> log.debug("removed unfinished {}", tempPath))
                .subscribe(null, cleanupDone::tryEmitError, cleanupDone::tryEmitEmpty);
    }

    @Override
    public String toString() {
        return "DirectFileWriter{" + tempPath + " -> " + finalPath + ", position=" + position() + '}';
    }
}
