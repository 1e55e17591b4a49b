package io.strata.io.write;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.Alignment;
import io.strata.io.file.DirectFile;
import io.strata.io.file.Errno;
import io.strata.io.file.InFlightGate;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadCompletion;
import io.strata.io.file.ReadOp;
import java.io.EOFException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An append-only O_DIRECT scratch file that is readable while it is written (Neon's {@code EphemeralFile}, the
 * storage of an in-memory layer). Appends go into an aligned tail buffer leased from a pool; each full buffer
 * becomes one O_DIRECT write of the whole buffer, with at most {@link Options#maxWritesInFlight()} of them in the
 * kernel and the file preallocated ahead of them. The partial tail is never written: the file is scratch, removed
 * by {@link #close()}. A crash leaves {@code ephemeral-<n>} behind; {@link #isEphemeralFile} recognises such files
 * so that a restart can remove them.
 *
 * <p><b>Reads.</b> Any byte range below {@link #length()} can be read at any moment: the parts held by the tail
 * buffer or by a buffer whose write is still in flight are copied from memory; the rest is read from the file in
 * aligned direct reads, adjacent chunks merged into reads of up to 128 KiB (or the pool's buffer size), all
 * reads of one call submitted in batches (Neon's {@code vectored_dio_read}). A buffer whose write completed leaves
 * memory only once no reader is copying from it (readers pin it; the last of writer and readers releases it).
 *
 * <p><b>Threads.</b> One writer at a time: appends must be sequential (each subscribed after the previous one
 * completed); a concurrent append is refused. Reads may run concurrently with the writer and with each other,
 * from any thread, and see every byte of every append that completed before the read was subscribed. Nothing
 * blocks a thread: waiting for a buffer or a write slot is asynchronous.
 *
 * <p>Errors are {@link IoOperationException}s naming the operation, the path and the offset. A failed write makes
 * later appends fail; the bytes already appended stay readable (the failed buffer stays in memory).
 */
public final class EphemeralFile {
    private static final Logger log = LoggerFactory.getLogger(EphemeralFile.class);
    /** Neon's file name prefix: {@code ephemeral-<n>}. */
    public static final String PREFIX = "ephemeral-";
    /** Neon's {@code MAX_CHUNK_BATCH_SIZE}: adjacent chunks are merged into reads of at most this many bytes. */
    public static final int MAX_PHYSICAL_READ = 128 * 1024;
    /** Reads submitted in one {@link DirectFile#readBatch} hop (further capped by the pool's capacity). */
    static final int MAX_READS_PER_BATCH = 32;
    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final int CREATE_ATTEMPTS = 16;

    /**
     * @param maxWritesInFlight full buffers being written at once (Neon: 1, plus the mutable tail)
     * @param preallocateStep   bytes reserved with fallocate each time the writes reach the reserved end (0: never)
     */
    public record Options(int maxWritesInFlight, long preallocateStep) {
        public Options {
            if (maxWritesInFlight < 1) {
                throw new IllegalArgumentException("maxWritesInFlight must be >= 1, got " + maxWritesInFlight);
            }
            if (preallocateStep < 0) {
                throw new IllegalArgumentException("preallocateStep must be >= 0, got " + preallocateStep);
            }
        }

        public static Options defaults() {
            return new Options(2, 16L << 20);
        }

        public Options withMaxWritesInFlight(int n) {
            return new Options(n, preallocateStep);
        }

        public Options withPreallocateStep(long bytes) {
            return new Options(maxWritesInFlight, bytes);
        }
    }

    /** A byte range {@code [pos, pos + len)} of the file to read. */
    public record ByteRange(long pos, int len) {
        public ByteRange {
            if (pos < 0 || len < 0) {
                throw new IllegalArgumentException("bad range: " + len + " bytes at " + pos);
            }
        }

        public long end() {
            return pos + len;
        }
    }

    private final IoEngine engine;
    private final AlignedBufferPool pool;
    private final DirectFile file;
    private final long id;
    private final Path path;
    private final Options options;
    private final int chunk;
    private final int segmentSize;
    private final int maxPhysicalRead;
    private final int maxReadsPerBatch;

    // Published to readers.
    private volatile long length;
    /** Buffers holding bytes that are not known to be in the file: the tail and buffers being written. */
    private final AtomicReference<Segment[]> segments = new AtomicReference<>(new Segment[0]);

    // The writer's (sequential appends; handed from one append to the next through Reactor's signals).
    private Segment tail;
    private int fill;
    private long writePos;
    private long preallocatedUpTo;
    private final ArrayDeque<Write> writes = new ArrayDeque<>();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Throwable failure;

    /** Counts appends and reads in; the close runs once all of them are out. */
    private final InFlightGate gate = new InFlightGate(this::closeNow);
    private final Sinks.One<Void> closed = Sinks.one();

    private EphemeralFile(IoEngine engine, AlignedBufferPool pool, DirectFile file, long id, Options options) {
        this.engine = engine;
        this.pool = pool;
        this.file = file;
        this.id = id;
        this.path = file.path();
        this.options = options;
        this.chunk = file.alignment();
        this.segmentSize = pool.bufferSize();
        this.maxPhysicalRead = (int) Alignment.alignDown(Math.min(MAX_PHYSICAL_READ, pool.bufferSize()), chunk);
        this.maxReadsPerBatch = Math.max(1, Math.min(MAX_READS_PER_BATCH, pool.capacity()));
    }

    /** The file name of ephemeral file {@code id}: {@code ephemeral-<id>}. */
    public static String fileName(long id) {
        return PREFIX + Long.toUnsignedString(id);
    }

    /** Whether {@code fileName} looks like an ephemeral file (Neon's {@code is_ephemeral_file}). */
    public static boolean isEphemeralFile(String fileName) {
        if (!fileName.startsWith(PREFIX) || fileName.length() == PREFIX.length()) {
            return false;
        }
        for (int i = PREFIX.length(); i < fileName.length(); i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Creates {@code dir/ephemeral-<n>}, n from a process-wide counter (a name left by an earlier process is
     * skipped). Buffers for the tail, the writes and the reads come from {@code pool}; its buffer size is the unit
     * of writes and must be a multiple of the file system's O_DIRECT alignment.
     */
    public static Mono<EphemeralFile> create(IoEngine engine, Path dir, AlignedBufferPool pool, Options options) {
        return Mono.defer(() -> createAttempt(engine, dir, pool, options, 1));
    }

    private static Mono<EphemeralFile> createAttempt(IoEngine engine, Path dir, AlignedBufferPool pool,
                                                     Options options, int attempt) {
        long id = NEXT_ID.getAndIncrement();
        return create(engine, dir, id, pool, options).onErrorResume(
                e -> attempt < CREATE_ATTEMPTS && e instanceof IoOperationException io && io.errno() == Errno.EEXIST,
                e -> createAttempt(engine, dir, pool, options, attempt + 1));
    }

    /** Creates {@code dir/ephemeral-<id>}; fails with EEXIST if that file exists. */
    public static Mono<EphemeralFile> create(IoEngine engine, Path dir, long id, AlignedBufferPool pool,
                                             Options options) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(options, "options");
        Path path = dir.resolve(fileName(id));
        return engine.open(path, OpenMode.CREATE_NEW_WRITE).flatMap(f -> {
            int a = f.alignment();
            if (pool.bufferSize() % a != 0 || pool.alignment() % a != 0) {
                return f.close().onErrorResume(e -> Mono.empty()).then(engine.deleteIfExists(path))
                        .then(Mono.error(new IllegalArgumentException("ephemeral file " + path + ": buffer size "
                                + pool.bufferSize() + " and buffer alignment " + pool.alignment()
                                + " must be multiples of the " + a + "-byte O_DIRECT alignment")));
            }
            return Mono.just(new EphemeralFile(engine, pool, f, id, options));
        });
    }

    public Path path() {
        return path;
    }

    /** The number in the file name. */
    public long id() {
        return id;
    }

    /** Bytes appended by completed appends: every byte below is readable. */
    public long length() {
        return length;
    }

    /** The writer's view (tests, between appends): bytes handed to the kernel in full-buffer writes. */
    long submittedLength() {
        return tail == null ? writePos : tail.offset;
    }

    /** The writer's view (tests, between appends): completes when the writes submitted so far have completed. */
    Mono<Void> writesDone() {
        List<Mono<Void>> pending = new ArrayList<>();
        for (Write w : writes) {
            pending.add(w.done.onErrorResume(e -> Mono.empty()));
        }
        return Mono.when(pending);
    }

    /** Buffers held in memory now (the tail, buffers being written, a buffer whose write failed). */
    int buffersInMemory() {
        return segments.get().length;
    }

    /** Appends all of {@code src}; emits the file position of its first byte. */
    public Mono<Long> append(byte[] src) {
        return append(new UnsafeBuffer(src), 0, src.length);
    }

    /**
     * Appends {@code length} bytes of {@code src} from {@code offset} (copied before the Mono completes; the caller
     * must not change them until then) and emits the file position of the first. Completes once the bytes are in
     * the tail buffer, waiting (without blocking a thread) for a buffer or a write slot when needed. Appends must
     * be sequential. Cancelling an append only stops waiting for it: it runs to its end (the bytes are appended,
     * unreferenced), and the next append may start once it did.
     */
    public Mono<Long> append(DirectBuffer src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        if (offset < 0 || length < 0 || (long) offset + length > src.capacity()) {
            return Mono.error(new IllegalArgumentException("append of " + length + " bytes at offset " + offset
                    + " of a " + src.capacity() + "-byte buffer to " + path));
        }
        return Mono.defer(() -> {
            if (!busy.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException("append to " + path
                        + " while another append is running: appends must be sequential"));
            }
            if (!gate.tryEnter()) {
                busy.set(false);
                return Mono.error(new IllegalStateException("append to closed ephemeral file " + path));
            }
            long start = writePos;
            Throwable f = failure;
            Mono<Long> body = f != null ? Mono.error(writeFailed(f))
                    : fill(src, offset, length).then(Mono.fromCallable(() -> {
                        this.length = writePos; // publishes the bytes to readers
                        return start;
                    }));
            // Detached from the subscriber, so that a cancel never leaves the writer half way through a copy while
            // the next append starts; the file is idle again before the terminal signal travels on.
            Mono<Long> run = body.doOnTerminate(() -> {
                busy.set(false);
                gate.exit();
            }).cache();
            run.subscribe(null, e -> { });
            return run;
        });
    }

    private IoOperationException writeFailed(Throwable cause) {
        return new IoOperationException("append", path, writePos, 0, cause);
    }

    /**
     * Copies into tail buffers. Each round copies what it can without waiting and emits true when all is copied,
     * or false after waiting for a buffer or a write slot; {@code repeat} resubscribes without growing the stack
     * however many waits a large append needs.
     */
    private Mono<Void> fill(DirectBuffer src, int offset, int length) {
        int[] next = {offset, length}; // source offset, bytes remaining
        return Mono.defer(() -> fillSome(src, next)).repeat().takeUntil(done -> done).then();
    }

    private Mono<Boolean> fillSome(DirectBuffer src, int[] next) {
        while (next[1] > 0) {
            if (tail == null) {
                Mono<Void> wait = acquireTail();
                if (wait != null) {
                    return wait.thenReturn(false);
                }
            }
            int n = Math.min(next[1], segmentSize - fill);
            tail.buffer.view().putBytes(fill, src, next[0], n);
            fill += n;
            writePos += n;
            next[0] += n;
            next[1] -= n;
            if (fill == segmentSize) {
                submitTail();
            }
        }
        return Mono.just(true);
    }

    /** Starts a new tail now and returns null, or returns what to wait for before trying again. */
    private Mono<Void> acquireTail() {
        Throwable f = failure;
        if (f != null) {
            return Mono.error(writeFailed(f));
        }
        while (!writes.isEmpty() && writes.peekFirst().finished) {
            writes.pollFirst();
        }
        if (writes.size() >= options.maxWritesInFlight()) {
            return writes.peekFirst().done.onErrorResume(e -> Mono.empty());
        }
        AlignedBuffer b = pool.tryLease();
        if (b == null) {
            if (!writes.isEmpty()) {
                return writes.peekFirst().done.onErrorResume(e -> Mono.empty());
            }
            return pool.lease().doOnNext(this::startTail).then();
        }
        startTail(b);
        return null;
    }

    private void startTail(AlignedBuffer b) {
        Segment s = new Segment(writePos, b);
        // published before any byte goes in: a reader that sees the bytes' length sees the segment (or its write done)
        segments.updateAndGet(arr -> {
            Segment[] next = Arrays.copyOf(arr, arr.length + 1);
            next[arr.length] = s;
            return next;
        });
        tail = s;
        fill = 0;
    }

    /** Hands the full tail to the kernel; it stays readable from memory until the write completed. */
    private void submitTail() {
        Segment s = tail;
        tail = null;
        fill = 0;
        Write w = new Write();
        Mono<Void> write = file.writeAll(s.offset, s.buffer, segmentSize);
        long end = s.offset + segmentSize;
        if (options.preallocateStep() > 0 && end > preallocatedUpTo) {
            long from = preallocatedUpTo;
            long to = Math.max(end, preallocatedUpTo + options.preallocateStep());
            preallocatedUpTo = to;
            write = file.fallocate(from, to - from).onErrorResume(e -> {
                log.debug("fallocate of {} failed, continuing without preallocation: {}", path, e.toString());
                return Mono.empty();
            }).then(write);
        }
        Mono<Void> cached = write
                .doOnSuccess(v -> {
                    // the bytes are in the file: readers that still find the segment copy them from memory
                    // (pinned) or read them from the file (not pinned); the buffer goes back when the last one is out
                    removeSegment(s);
                    s.detach();
                })
                .doOnError(e -> failure = e) // the segment stays: its bytes remain readable from memory
                .doOnTerminate(() -> w.finished = true) // before the completion travels on to a waiting append
                .cache();
        w.done = cached;
        writes.addLast(w);
        cached.subscribe(null, e -> { });
    }

    private void removeSegment(Segment s) {
        segments.updateAndGet(arr -> {
            for (int i = 0; i < arr.length; i++) {
                if (arr[i] == s) {
                    Segment[] next = new Segment[arr.length - 1];
                    System.arraycopy(arr, 0, next, 0, i);
                    System.arraycopy(arr, i + 1, next, i, arr.length - i - 1);
                    return next;
                }
            }
            return arr;
        });
    }

    /** Reads {@code len} bytes at {@code pos}; fails if they are not all below {@link #length()}. */
    public Mono<byte[]> read(long pos, int len) {
        return read(List.of(new ByteRange(pos, len))).map(l -> l.get(0));
    }

    /**
     * Reads every range (Neon's {@code vectored_dio_read::execute}) and emits their bytes in the order of
     * {@code ranges}. Parts in memory are copied at subscription; the rest is read from the file in merged, aligned
     * direct reads submitted in batches. Fails as a whole with the first error: a range reaching past
     * {@link #length()} (an {@link IoOperationException} caused by an {@link EOFException}), or a failed read.
     */
    public Mono<List<byte[]>> read(List<ByteRange> ranges) {
        List<ByteRange> all = List.copyOf(ranges);
        return Mono.defer(() -> {
            if (!gate.tryEnter()) {
                return Mono.error(new IllegalStateException("read on closed ephemeral file " + path));
            }
            AtomicBoolean left = new AtomicBoolean();
            Runnable leave = () -> {
                if (left.compareAndSet(false, true)) {
                    gate.exit();
                }
            };
            try {
                VectoredRead plan = plan(all);
                return plan.execute().doOnTerminate(leave).doOnCancel(leave);
            } catch (IoOperationException | RuntimeException e) {
                leave.run();
                return Mono.error(e);
            }
        });
    }

    /** Copies what memory holds now and lists the disk pieces still to read. */
    private VectoredRead plan(List<ByteRange> ranges) throws IoOperationException {
        long len = length; // first: every byte below is in a segment of the snapshot below, or in the file
        for (ByteRange r : ranges) {
            if (r.pos() > len || r.len() > len - r.pos()) {
                throw new IoOperationException("read", path, r.pos(), 0, new EOFException(r.len() + " bytes at offset "
                        + r.pos() + " reach past the end of the ephemeral file (" + len + " bytes appended)"));
            }
        }
        Segment[] snap = segments.get();
        List<Segment> pinned = new ArrayList<>(snap.length);
        try {
            for (Segment s : snap) {
                if (s.tryPin()) {
                    pinned.add(s); // else its write completed: its bytes are in the file
                }
            }
            VectoredRead plan = new VectoredRead(ranges.size());
            for (int i = 0; i < ranges.size(); i++) {
                ByteRange r = ranges.get(i);
                byte[] out = new byte[r.len()];
                plan.results.add(out);
                long p = r.pos();
                long end = r.end();
                while (p < end) {
                    Segment in = null;
                    long nextSegment = end;
                    for (Segment s : pinned) {
                        if (p >= s.offset && p < s.offset + segmentSize) {
                            in = s;
                            break;
                        }
                        if (s.offset > p && s.offset < nextSegment) {
                            nextSegment = s.offset;
                        }
                    }
                    if (in != null) {
                        int n = (int) (Math.min(end, in.offset + segmentSize) - p);
                        in.buffer.view().getBytes((int) (p - in.offset), out, (int) (p - r.pos()), n);
                        p += n;
                    } else {
                        plan.pieces.add(new Piece(i, r.pos(), p, nextSegment));
                        p = nextSegment;
                    }
                }
            }
            return plan;
        } finally {
            for (Segment s : pinned) {
                s.unpin();
            }
        }
    }

    /** Part of a range to read from the file: {@code [start, end)} of range {@code index}, which starts at {@code rangePos}. */
    private record Piece(int index, long rangePos, long start, long end) {
    }

    /** One aligned direct read of adjacent chunks, and the pieces it serves. */
    private static final class PhysicalRead {
        final long offset;
        int length;
        final List<Piece> pieces = new ArrayList<>(2);

        PhysicalRead(long offset, int length) {
            this.offset = offset;
            this.length = length;
        }
    }

    private final class VectoredRead {
        final List<byte[]> results;
        final List<Piece> pieces = new ArrayList<>();

        VectoredRead(int n) {
            this.results = new ArrayList<>(n);
        }

        Mono<List<byte[]>> execute() {
            if (pieces.isEmpty()) {
                return Mono.just(results);
            }
            List<PhysicalRead> reads = physicalReads();
            return readAll(reads).then(Mono.fromSupplier(() -> results));
        }

        /** The chunks the pieces need, merged while adjacent into reads of at most {@code maxPhysicalRead}. */
        private List<PhysicalRead> physicalReads() {
            pieces.sort((a, b) -> Long.compare(a.start(), b.start()));
            long[] chunks = new long[16];
            int n = 0;
            for (Piece p : pieces) {
                long first = p.start() / chunk;
                long last = (p.end() - 1) / chunk;
                for (long c = first; c <= last; c++) {
                    if (n == chunks.length) {
                        chunks = Arrays.copyOf(chunks, n * 2);
                    }
                    chunks[n++] = c;
                }
            }
            Arrays.sort(chunks, 0, n);
            List<PhysicalRead> reads = new ArrayList<>();
            PhysicalRead cur = null;
            long lastChunk = -2;
            for (int i = 0; i < n; i++) {
                long c = chunks[i];
                if (c == lastChunk) {
                    continue;
                }
                if (cur != null && c == lastChunk + 1 && cur.length + chunk <= maxPhysicalRead) {
                    cur.length += chunk;
                } else {
                    cur = new PhysicalRead(c * chunk, chunk);
                    reads.add(cur);
                }
                lastChunk = c;
            }
            // each piece to every read it overlaps (a piece longer than a read spans several)
            for (Piece p : pieces) {
                int lo = 0;
                int hi = reads.size() - 1;
                while (lo < hi) { // the last read starting at or before p.start
                    int mid = (lo + hi + 1) >>> 1;
                    if (reads.get(mid).offset <= p.start()) {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                for (int j = lo; j < reads.size() && reads.get(j).offset < p.end(); j++) {
                    PhysicalRead r = reads.get(j);
                    if (r.offset + r.length > p.start()) {
                        r.pieces.add(p);
                    }
                }
            }
            return reads;
        }

        /**
         * Runs the reads in rounds: each waits for one buffer while holding none, takes more only if the pool has
         * them now, submits those reads in one batch, copies each completion into the results and releases its
         * buffer at once. Never holding buffers while waiting for more, concurrent readers cannot deadlock the pool.
         */
        private Mono<Void> readAll(List<PhysicalRead> reads) {
            int[] next = {0};
            return Mono.defer(() -> readRound(reads, next)).repeat().takeUntil(done -> done).then();
        }

        /** One round from {@code next[0]}: emits true once every read has been done. */
        private Mono<Boolean> readRound(List<PhysicalRead> reads, int[] next) {
            int from = next[0];
            return pool.lease().flatMap(first -> {
                List<ReadOp> ops = new ArrayList<>();
                AlignedBuffer b = first;
                int i = from;
                while (true) {
                    PhysicalRead r = reads.get(i);
                    ops.add(ReadOp.of(r.offset, b, r.length));
                    i++;
                    if (i == reads.size() || ops.size() == maxReadsPerBatch) {
                        break;
                    }
                    b = pool.tryLease();
                    if (b == null) {
                        break;
                    }
                }
                next[0] = i;
                boolean last = i == reads.size();
                return file.readBatch(ops)
                        .<Void>handle((c, sink) -> {
                            try {
                                deliver(reads.get(from + c.index()), c);
                            } catch (IoOperationException e) {
                                sink.error(e);
                            } finally {
                                c.op().buffer().release();
                            }
                        })
                        .then(Mono.just(last));
            });
        }

        private void deliver(PhysicalRead r, ReadCompletion c) throws IoOperationException {
            for (Piece p : r.pieces) {
                long from = Math.max(p.start(), r.offset);
                long to = Math.min(p.end(), r.offset + r.length);
                if (to > r.offset + c.bytesRead()) {
                    throw new IoOperationException("read", path, r.offset, 0, new EOFException("the file ended after "
                            + c.bytesRead() + " of the " + r.length + " bytes read, where appended bytes up to offset "
                            + to + " were expected"));
                }
                c.op().buffer().view().getBytes((int) (from - r.offset), results.get(p.index()),
                        (int) (from - p.rangePos()), (int) (to - from));
            }
        }
    }

    /** Waits for every append and read, the writes in flight, then closes and removes the file. Idempotent. */
    public Mono<Void> close() {
        return Mono.defer(() -> {
            gate.close();
            return closed.asMono();
        });
    }

    /** The gate's close action: no append or read is running, and none can start. */
    private void closeNow() {
        List<Mono<Void>> pending = new ArrayList<>();
        for (Write w : writes) {
            pending.add(w.done.onErrorResume(e -> Mono.empty()));
        }
        writes.clear();
        AtomicReference<Throwable> closeError = new AtomicReference<>();
        Mono.when(pending)
                .then(file.close().onErrorResume(e -> {
                    closeError.set(e);
                    return Mono.empty();
                }))
                .then(engine.deleteIfExists(path))
                .then(Mono.defer(() -> closeError.get() == null ? Mono.<Void>empty() : Mono.error(closeError.get())))
                .doOnTerminate(this::releaseSegments) // before close() completes: the buffers are back by then
                .subscribe(null, closed::tryEmitError, closed::tryEmitEmpty);
    }

    private void releaseSegments() {
        tail = null;
        for (Segment s : segments.getAndSet(new Segment[0])) {
            s.detach();
        }
    }

    @Override
    public String toString() {
        return "EphemeralFile{" + path + ", length=" + length + '}';
    }

    /** A write in the kernel. */
    private static final class Write {
        volatile Mono<Void> done;
        volatile boolean finished;
    }

    /**
     * A buffer holding {@code [offset, offset + size)} of the file in memory. Readers pin it while they copy; once
     * its write completed it is detached, and whichever of the detach and the last unpin comes second releases it.
     */
    private static final class Segment {
        private static final int DETACHED = 1 << 30;
        final long offset;
        final AlignedBuffer buffer;
        private final AtomicInteger state = new AtomicInteger();

        Segment(long offset, AlignedBuffer buffer) {
            this.offset = offset;
            this.buffer = buffer;
        }

        boolean tryPin() {
            while (true) {
                int s = state.get();
                if ((s & DETACHED) != 0) {
                    return false;
                }
                if (state.compareAndSet(s, s + 1)) {
                    return true;
                }
            }
        }

        void unpin() {
            if (state.decrementAndGet() == DETACHED) {
                buffer.release();
            }
        }

        void detach() {
            int prev = state.getAndUpdate(s -> s | DETACHED);
            if (prev == 0) {
                buffer.release();
            }
        }
    }
}
