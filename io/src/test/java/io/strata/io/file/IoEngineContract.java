package io.strata.io.file;

import static io.strata.io.file.TestFiles.BLOCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The contract every {@link IoEngine} keeps. Each engine's test class extends this one, so both engines pass
 * the same tests. BlockHound is installed for the whole run (blockhound-junit-platform).
 */
abstract class IoEngineContract {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    IoEngine engine;
    AlignedBufferPool pool;

    abstract IoEngine newEngine(IoConfig config);

    abstract IoEngineKind expectedKind();

    /** Files the engine has open (must be 0 after every test). */
    abstract int openFiles();

    @BeforeEach
    void setUp() {
        engine = newEngine(IoConfig.defaults().withFileChannelThreads(32));
        pool = new AlignedBufferPool(16 * 1024, 256, BLOCK).trackLeaks(true);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        try {
            TestFiles.awaitAllReturned(pool, T);
            long deadline = System.nanoTime() + T.toNanos();
            while (openFiles() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, openFiles(), "files left open");
        } finally {
            engine.close();
        }
    }

    DirectFile open(Path p, OpenMode mode) {
        return engine.open(p, mode).block(T);
    }

    @Test
    void reportsItsKind() {
        assertEquals(expectedKind(), engine.kind());
        assertTrue(engine.describe().length() > 0);
    }

    @Test
    void hugePageAdviceNeverFailsAndAdvisedBuffersStillReadAndWrite() {
        AlignedBufferPool big = new AlignedBufferPool(1 << 20, 4, BLOCK).trackLeaks(true);
        long advised = engine.adviseHugePages(big).block(T);
        assertTrue(advised == 0 || advised == 4L << 20, "advised " + advised);
        Path p = dir.resolve("huge");
        DirectFile w = open(p, OpenMode.CREATE_NEW_WRITE);
        AlignedBuffer b = big.tryLease();
        TestFiles.fill(b, 0, b.capacity());
        StepVerifier.create(w.write(0, b, b.capacity()).then(w.fsync())).verifyComplete();
        w.close().block(T);
        AlignedBuffer c = big.tryLease();
        DirectFile r = open(p, OpenMode.READ);
        StepVerifier.create(r.read(0, c, c.capacity())).expectNext(c.capacity()).verifyComplete();
        TestFiles.check(c, 0, 0, c.capacity());
        r.close().block(T);
        b.release();
        c.release();
        big.assertNoLeaks();
    }

    @Test
    void writeThenReadRoundTrips() {
        Path p = dir.resolve("round-trip");
        DirectFile w = open(p, OpenMode.CREATE_NEW_WRITE);
        AlignedBuffer b = pool.tryLease();
        for (int blk = 0; blk < 8; blk++) {
            TestFiles.fill(b, (long) blk * b.capacity(), b.capacity());
            StepVerifier.create(w.write((long) blk * b.capacity(), b, b.capacity()))
                    .expectNext(b.capacity()).verifyComplete();
        }
        StepVerifier.create(w.fsync().then(w.size())).expectNext(8L * b.capacity()).verifyComplete();
        w.close().block(T);

        DirectFile r = open(p, OpenMode.READ);
        for (int blk = 7; blk >= 0; blk--) {
            StepVerifier.create(r.read((long) blk * b.capacity(), b, b.capacity())).expectNext(b.capacity())
                    .verifyComplete();
            TestFiles.check(b, 0, (long) blk * b.capacity(), b.capacity());
        }
        // a read into the middle of a buffer
        StepVerifier.create(r.read(new ReadOp(BLOCK * 3L, b, BLOCK, BLOCK))).expectNext(BLOCK).verifyComplete();
        TestFiles.check(b, BLOCK, BLOCK * 3L, BLOCK);
        b.release();
        r.close().block(T);
    }

    @Test
    void shortReadsAtEndOfFile() {
        Path p = dir.resolve("eof");
        long size = 3L * BLOCK + 100;
        TestFiles.create(engine, p, size);
        DirectFile r = open(p, OpenMode.READ);
        AlignedBuffer b = pool.tryLease();
        // the whole file in one read: fewer bytes than asked
        StepVerifier.create(r.read(0, b, 4 * BLOCK)).expectNext((int) size).verifyComplete();
        TestFiles.check(b, 0, 0, (int) size);
        // the partial last block
        StepVerifier.create(r.read(3L * BLOCK, b, BLOCK)).expectNext(100).verifyComplete();
        TestFiles.check(b, 0, 3L * BLOCK, 100);
        // at and past the end
        StepVerifier.create(r.read(4L * BLOCK, b, BLOCK)).expectNext(0).verifyComplete();
        StepVerifier.create(r.read(100L * BLOCK, b, BLOCK)).expectNext(0).verifyComplete();
        StepVerifier.create(r.size()).expectNext(size).verifyComplete();
        b.release();
        r.close().block(T);
    }

    /**
     * Reads at the device's logical block size (512 on this project's machines): io_uring reads a sector-aligned
     * 9 KiB span (the shape of an 8 KiB page behind its blob header), alone and in a batch, and a short read that
     * ends mid-sector at the end of the file; the FileChannel engine keeps the whole alignment (the JDK checks it)
     * and refuses the same read before the kernel. Writes keep the whole alignment in both.
     */
    @Test
    void readsAtTheDevicesFinerGrainWhereTheEngineCan() throws Exception {
        IoConfig config = IoConfig.defaults().withFileChannelThreads(4).alignedFor(dir);
        int sector = config.readAlignment();
        org.junit.jupiter.api.Assumptions.assumeTrue(sector < BLOCK,
                () -> "the device under " + dir + " reads in blocks of " + sector);
        try (IoEngine fine = newEngine(config)) {
            Path p = dir.resolve("fine");
            long size = 3L * BLOCK + 700;
            TestFiles.create(fine, p, size);
            DirectFile r = fine.open(p, OpenMode.READ).block(T);
            AlignedBuffer b = pool.tryLease();
            AlignedBuffer c = pool.tryLease();
            try {
                assertEquals(BLOCK, r.alignment());
                if (expectedKind() == IoEngineKind.URING) {
                    assertEquals(sector, r.readAlignment());
                    StepVerifier.create(r.read(sector, b, 18 * 512)).expectNext(18 * 512).verifyComplete();
                    TestFiles.check(b, 0, sector, 18 * 512);
                    StepVerifier.create(r.readBatch(List.of(ReadOp.of(BLOCK + 3L * sector, b, 2 * sector),
                                    ReadOp.of(5L * sector, c, sector))).map(ReadCompletion::bytesRead).sort())
                            .expectNext(sector, 2 * sector).verifyComplete();
                    TestFiles.check(b, 0, BLOCK + 3L * sector, 2 * sector);
                    TestFiles.check(c, 0, 5L * sector, sector);
                    // 700 bytes past the third block: a sector, then 188 bytes
                    StepVerifier.create(r.read(3L * BLOCK + 512, b, 2 * 512)).expectNext(700 - 512)
                            .verifyComplete();
                    TestFiles.check(b, 0, 3L * BLOCK + 512, 700 - 512);
                } else {
                    assertEquals(BLOCK, r.readAlignment());
                    StepVerifier.create(r.read(sector, b, 18 * 512)).expectErrorSatisfies(e -> {
                        assertInstanceOf(IllegalArgumentException.class, e);
                        assertTrue(e.getMessage().contains(BLOCK + "-byte"), e.getMessage());
                    }).verify(T);
                }
                StepVerifier.create(r.read(sector / 2, b, sector)).expectError(IllegalArgumentException.class)
                        .verify(T);
            } finally {
                b.release();
                c.release();
                r.close().block(T);
            }
            DirectFile w = fine.open(dir.resolve("fine-write"), OpenMode.CREATE_NEW_WRITE).block(T);
            AlignedBuffer d = pool.tryLease();
            try {
                StepVerifier.create(w.write(sector, d, sector)).expectErrorSatisfies(e -> {
                    assertInstanceOf(IllegalArgumentException.class, e);
                    assertTrue(e.getMessage().contains(BLOCK + "-byte"), e.getMessage());
                }).verify(T);
            } finally {
                d.release();
                w.close().block(T);
            }
        }
    }

    @Test
    void missingFileFailsWithEnoentNamingThePath() {
        Path p = dir.resolve("no-such-file");
        StepVerifier.create(engine.open(p, OpenMode.READ)).expectErrorSatisfies(e -> {
            IoOperationException io = assertInstanceOf(IoOperationException.class, e);
            assertEquals(Errno.ENOENT, io.errno());
            assertEquals(p.toAbsolutePath(), io.path());
            assertTrue(e.getMessage().contains(p.toAbsolutePath().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
        }).verify(T);
    }

    @Test
    void createNewRefusesAnExistingFile() throws Exception {
        Path p = dir.resolve("exists");
        Files.write(p, new byte[] {1});
        StepVerifier.create(engine.open(p, OpenMode.CREATE_NEW_WRITE)).expectErrorSatisfies(e -> {
            IoOperationException io = assertInstanceOf(IoOperationException.class, e);
            assertEquals(Errno.EEXIST, io.errno());
            assertTrue(e.getMessage().contains("EEXIST"), e.getMessage());
        }).verify(T);
    }

    @Test
    void misalignedRequestsAreRejectedBeforeTheKernel() {
        Path p = dir.resolve("align");
        TestFiles.create(engine, p, 4L * BLOCK);
        DirectFile r = open(p, OpenMode.READ);
        AlignedBuffer b = pool.tryLease();
        StepVerifier.create(r.read(100, b, BLOCK)).expectErrorSatisfies(e -> {
            assertInstanceOf(IllegalArgumentException.class, e);
            assertTrue(e.getMessage().contains("offset 100"), e.getMessage());
            assertTrue(e.getMessage().contains(p.toAbsolutePath().toString()), e.getMessage());
        }).verify(T);
        StepVerifier.create(r.read(0, b, 1000)).expectErrorSatisfies(e -> {
            assertInstanceOf(IllegalArgumentException.class, e);
            assertTrue(e.getMessage().contains("length 1000"), e.getMessage());
        }).verify(T);
        StepVerifier.create(r.read(new ReadOp(0, b, 512, BLOCK))).expectErrorSatisfies(e -> {
            assertInstanceOf(IllegalArgumentException.class, e);
            assertTrue(e.getMessage().contains("buffer address"), e.getMessage());
        }).verify(T);
        AlignedBuffer other = pool.tryLease();
        StepVerifier.create(r.readBatch(List.of(ReadOp.of(0, b, BLOCK), ReadOp.of(10, other, BLOCK))))
                .expectError(IllegalArgumentException.class).verify(T);
        assertThrows(IllegalArgumentException.class, () -> new ReadOp(0, b, 0, b.capacity() + BLOCK));
        // nothing was submitted: buffers are still the caller's and not in flight
        // single reads gave the buffer back to the caller; the refused batch was subscribed, so the engine
        // released both of its buffers
        assertTrue(!b.isInFlight() && !other.isInFlight());
        assertTrue(!b.isLeased() && !other.isLeased(), "a refused batch releases its buffers");
        r.close().block(T);
    }

    @Test
    void writeOnAReadOnlyFileFails() {
        Path p = dir.resolve("ro");
        TestFiles.create(engine, p, BLOCK);
        DirectFile r = open(p, OpenMode.READ);
        AlignedBuffer b = pool.tryLease();
        StepVerifier.create(r.write(0, b, BLOCK)).expectErrorSatisfies(e ->
                assertTrue(e.getMessage().contains("reading only"), e.getMessage())).verify(T);
        b.release();
        r.close().block(T);
    }

    @Test
    void aBufferCannotServeTwoOperationsAtOnce() {
        Path p = dir.resolve("twice");
        TestFiles.create(engine, p, 4L * BLOCK);
        DirectFile r = open(p, OpenMode.READ);
        AlignedBuffer b = pool.tryLease();
        StepVerifier.create(r.readBatch(List.of(ReadOp.of(0, b, BLOCK), ReadOp.of(BLOCK, b, BLOCK))))
                .expectErrorSatisfies(e -> assertTrue(e.getMessage().contains("still uses"), e.getMessage()))
                .verify(T);
        assertTrue(!b.isInFlight());
        assertTrue(!b.isLeased(), "the refused batch released its buffer once");
        // a single read refused the same way leaves the buffer with the caller
        AlignedBuffer c = pool.tryLease();
        c.beginIo("test", "holder");
        StepVerifier.create(r.read(0, c, BLOCK)).expectError(IllegalStateException.class).verify(T);
        c.endIo();
        assertTrue(c.isLeased());
        c.release();
        r.close().block(T);
    }

    @Test
    void batchedReadsCompleteEachOneSeparately() {
        Path p = dir.resolve("batch");
        int blocks = 200;
        TestFiles.create(engine, p, (long) blocks * BLOCK);
        DirectFile r = open(p, OpenMode.READ);
        List<ReadOp> ops = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 100; i++) {
            ops.add(ReadOp.of((long) rnd.nextInt(blocks) * BLOCK, pool.tryLease(), BLOCK));
        }
        Set<Integer> seen = new HashSet<>();
        StepVerifier.create(r.readBatch(ops).doOnNext(c -> {
            assertEquals(BLOCK, c.bytesRead());
            TestFiles.check(c.op().buffer(), 0, c.op().offset(), BLOCK);
            assertTrue(seen.add(c.index()), "index emitted twice");
            c.op().buffer().release();
        })).expectNextCount(100).verifyComplete();
        assertEquals(100, seen.size());
        r.close().block(T);
    }

    @Test
    void thousandsOfConcurrentReadsAllReturnTheRightBytes() {
        Path p = dir.resolve("many");
        int blocks = 1024;
        TestFiles.create(engine, p, (long) blocks * BLOCK);
        DirectFile r = open(p, OpenMode.READ);
        SplittableRandom rnd = new SplittableRandom(42);
        long[] offsets = new long[10_000];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = (long) rnd.nextInt(blocks) * BLOCK;
        }
        AtomicInteger ok = new AtomicInteger();
        // More reads than buffers: pool.lease() is the backpressure.
        Flux.range(0, offsets.length)
                .flatMap(i -> pool.lease().flatMap(b -> r.read(offsets[i], b, BLOCK)
                        .doOnNext(n -> {
                            assertEquals(BLOCK, n);
                            TestFiles.check(b, 0, offsets[i], BLOCK);
                            ok.incrementAndGet();
                        })
                        .doFinally(s -> releaseUnlessCancelled(s, b))), 1024)
                .then().block(Duration.ofSeconds(60));
        assertEquals(offsets.length, ok.get());
        r.close().block(T);
    }

    /** The ownership contract: after a cancel the engine releases the buffer, so the caller must not. */
    static void releaseUnlessCancelled(SignalType s, AlignedBuffer b) {
        if (s != SignalType.CANCEL) {
            b.release();
        }
    }

    @Test
    void cancellingInFlightReadsStillReleasesEveryBuffer() throws Exception {
        Path p = dir.resolve("cancel");
        int blocks = 512;
        TestFiles.create(engine, p, (long) blocks * BLOCK);
        DirectFile r = open(p, OpenMode.READ);
        List<Disposable> subs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            AlignedBuffer b = pool.tryLease();
            // Ownership: on success the subscriber releases; on cancel the engine does. The subscriber must take
            // every value it is handed: a lambda subscriber (subscribe(Consumer)) disposed while the value is on its
            // way drops it (Reactor's onNextDropped), and the buffer with it. BaseSubscriber hands it on.
            BaseSubscriber<Integer> s = new BaseSubscriber<>() {
                @Override
                protected void hookOnNext(Integer n) {
                    b.release();
                }
            };
            r.read((long) (i % blocks) * BLOCK, b, b.capacity()).subscribe(s);
            subs.add(s);
        }
        subs.forEach(Disposable::dispose);
        // A batch cancelled after three completions: the three delivered are ours, the rest the engine's.
        List<ReadOp> ops = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ops.add(ReadOp.of((long) i * BLOCK, pool.tryLease(), BLOCK));
        }
        List<ReadCompletion> got = r.readBatch(ops).take(3).collectList().block(T);
        assertEquals(3, got.size());
        got.forEach(c -> c.op().buffer().release());
        TestFiles.awaitAllReturned(pool, T);
        r.close().block(T);
    }

    @Test
    void closeWaitsForOperationsInFlightAndRefusesNewOnes() {
        Path p = dir.resolve("close");
        TestFiles.create(engine, p, 256L * BLOCK);
        DirectFile r = open(p, OpenMode.READ);
        List<Mono<Integer>> reads = new ArrayList<>();
        List<AlignedBuffer> bufs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            AlignedBuffer b = pool.tryLease();
            bufs.add(b);
            reads.add(r.read((long) i * BLOCK, b, BLOCK).cache());
        }
        reads.forEach(m -> m.subscribe(null, e -> { }));
        Mono<Void> closing = r.close().cache();
        closing.subscribe(null, e -> { });
        for (Mono<Integer> m : reads) {
            assertEquals(BLOCK, m.block(T));
        }
        closing.block(T);
        for (int i = 0; i < bufs.size(); i++) {
            TestFiles.check(bufs.get(i), 0, (long) i * BLOCK, BLOCK);
        }
        AlignedBuffer b = bufs.get(0);
        StepVerifier.create(r.read(0, b, BLOCK)).expectErrorSatisfies(e -> {
            assertInstanceOf(IllegalStateException.class, e);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }).verify(T);
        bufs.forEach(AlignedBuffer::release);
        // a batch on the closed file is refused, and the engine releases its buffers
        List<ReadOp> late = List.of(ReadOp.of(0, pool.tryLease(), BLOCK), ReadOp.of(BLOCK, pool.tryLease(), BLOCK));
        StepVerifier.create(r.readBatch(late)).expectErrorSatisfies(e ->
                assertTrue(e.getMessage().contains("closed"), e.getMessage())).verify(T);
        late.forEach(op -> assertTrue(!op.buffer().isLeased()));
        // close is idempotent
        r.close().block(T);
    }

    @Test
    void aFileClosedAfterItsEngineShutDownStillReleasesItsDescriptor() throws Exception {
        // A layer open cancelled during a failed start, whose close runs after the engine's shutdown: the
        // descriptor must still go back to the kernel, or it stays open for the life of the process.
        Path p = dir.resolve("orphan");
        TestFiles.create(engine, p, 4L * BLOCK);
        IoEngine other = newEngine(IoConfig.defaults().withFileChannelThreads(2));
        DirectFile f;
        try {
            f = other.open(p, OpenMode.READ).block(T);
            assertEquals(1, descriptorsOf(p), "open");
        } finally {
            other.close();
        }
        f.close().onErrorResume(e -> Mono.empty()).block(T);
        assertEquals(0, descriptorsOf(p), "descriptors of " + p + " after close");
    }

    /** How many descriptors of this process point at {@code p}. */
    static long descriptorsOf(Path p) throws java.io.IOException {
        Path target = p.toAbsolutePath();
        try (java.util.stream.Stream<Path> fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(fd).equals(target);
                } catch (java.io.IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile, or the listing's own descriptor
                }
            }).count();
        }
    }

    @Test
    void fallocateTruncateAndSize() {
        Path p = dir.resolve("alloc");
        DirectFile w = open(p, OpenMode.CREATE_NEW_WRITE);
        StepVerifier.create(w.fallocate(0, 1 << 20).then(w.size())).expectNext(1L << 20).verifyComplete();
        StepVerifier.create(w.truncate(12345).then(w.size())).expectNext(12345L).verifyComplete();
        StepVerifier.create(w.fallocate(-1, 10)).expectError(IllegalArgumentException.class).verify(T);
        w.close().block(T);
    }

    @Test
    void renameDeleteAndDirectoryFsync() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        TestFiles.create(engine, a, BLOCK);
        StepVerifier.create(engine.rename(a, b).then(engine.fsyncDirectory(dir))).verifyComplete();
        assertTrue(Files.exists(b));
        assertTrue(!Files.exists(a));
        StepVerifier.create(engine.deleteIfExists(b)).verifyComplete();
        assertTrue(!Files.exists(b));
        StepVerifier.create(engine.deleteIfExists(b)).verifyComplete(); // absent: still fine
        StepVerifier.create(engine.rename(a, b)).expectErrorSatisfies(e ->
                assertEquals(Errno.ENOENT, assertInstanceOf(IoOperationException.class, e).errno())).verify(T);
        StepVerifier.create(engine.fsyncDirectory(dir.resolve("missing-dir"))).expectErrorSatisfies(e ->
                assertEquals(Errno.ENOENT, assertInstanceOf(IoOperationException.class, e).errno())).verify(T);
    }

    @Test
    void nothingBlocksOnNonBlockingThreads() {
        // BlockHound is live: a blocking call on a parallel thread is reported (so this test can fail).
        StepVerifier.create(Mono.fromCallable(() -> {
            Thread.sleep(1);
            return 1;
        }).subscribeOn(Schedulers.parallel())).expectError(BlockingOperationError.class).verify(T);

        // The whole engine driven from parallel threads, continuing on the engine's threads (the ring loops).
        Path p = dir.resolve("blockhound");
        DirectFile w = engine.open(p, OpenMode.CREATE_NEW_WRITE).subscribeOn(Schedulers.parallel()).block(T);
        Flux.range(0, 64)
                .publishOn(Schedulers.parallel())
                .concatMap(i -> pool.lease().flatMap(b -> {
                    TestFiles.fill(b, (long) i * BLOCK, BLOCK);
                    return w.write((long) i * BLOCK, b, BLOCK).doFinally(s -> releaseUnlessCancelled(s, b));
                }))
                .then(w.fallocate(64L * BLOCK, BLOCK))
                .then(w.truncate(64L * BLOCK))
                .then(w.fsync())
                .then(w.size())
                .then(w.close())
                .then(engine.fsyncDirectory(dir))
                .subscribeOn(Schedulers.parallel())
                .block(T);
        DirectFile r = engine.open(p, OpenMode.READ).subscribeOn(Schedulers.parallel()).block(T);
        List<ReadOp> ops = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            ops.add(ReadOp.of((long) i * BLOCK, pool.tryLease(), BLOCK));
        }
        Flux.defer(() -> r.readBatch(ops))
                .publishOn(Schedulers.parallel())
                .doOnNext(c -> {
                    TestFiles.check(c.op().buffer(), 0, c.op().offset(), BLOCK);
                    c.op().buffer().release();
                })
                .concatMap(c -> pool.lease().flatMap(b -> r.read(c.op().offset(), b, BLOCK)
                        .doFinally(s -> releaseUnlessCancelled(s, b))))
                .then(r.close())
                .subscribeOn(Schedulers.parallel())
                .block(T);
    }
}
