package io.strata.io.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.channel.FileChannelIoEngine;
import io.strata.io.file.Alignment;
import io.strata.io.file.DirectFile;
import io.strata.io.file.Errno;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.OpenMode;
import io.strata.io.file.ReadCompletion;
import io.strata.io.file.ReadOp;
import io.strata.io.uring.UringIoEngine;
import java.io.EOFException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** BlockCache over real O_DIRECT files, on both engines. Timeouts only guard against hangs; nothing is timed. */
class BlockCacheTest {
    private static final int BLOCK = BlockCache.BLOCK_SIZE;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    enum Engine {
        URING, FILECHANNEL;

        IoEngine create() {
            if (this == URING) {
                assumeTrue(UringIoEngine.isAvailable(), "io_uring is not available here");
                return new UringIoEngine(IoConfig.defaults().withRings(2));
            }
            return new FileChannelIoEngine(IoConfig.defaults().withFileChannelThreads(8));
        }
    }

    @TempDir
    Path dir;

    private final List<IoEngine> engines = new ArrayList<>();
    private final List<DirectFile> files = new ArrayList<>();

    @AfterEach
    void closeFilesAndEngines() {
        for (DirectFile f : files) {
            try {
                f.close().block(TIMEOUT);
            } catch (RuntimeException e) {
                // the test already failed; keep closing the rest
            }
        }
        engines.forEach(IoEngine::close);
    }

    // ---- tests -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Engine.class)
    void hitAfterMissReturnsTheSameBytes(Engine kind) {
        IoEngine engine = engine(kind);
        DirectFile file = writeFile(engine, "a", 7, 4L * BLOCK);
        AlignedBufferPool pool = cachePool(4);
        BlockCache cache = new BlockCache(16, pool);

        DirectBuffer first = cache.get(file, 2).block(TIMEOUT);
        assertBlock(first, 7, 2, BLOCK);
        DirectBuffer second = cache.get(file, 2).block(TIMEOUT);
        assertSame(first, second, "a hit returns the cached buffer itself");
        assertBlock(second, 7, 2, BLOCK);

        assertEquals(new BlockCache.Stats(1, 1, 1, 0, 0), cache.stats());
        assertEquals(1, cache.size());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void countersFollowHitsMissesLoadsAndEvictions(Engine kind) {
        IoEngine engine = engine(kind);
        ControlledFile file = new ControlledFile(writeFile(engine, "a", 3, 10L * BLOCK));
        AlignedBufferPool pool = cachePool(2);
        BlockCache cache = new BlockCache(4, pool); // small queue 1 block, main 3

        Mono<DirectBuffer> unsubscribed = cache.get(file, 9);
        assertEquals(0, file.reads.get(), "a miss reads only when subscribed");
        assertEquals(new BlockCache.Stats(0, 0, 0, 0, 0), cache.stats());

        for (int b = 0; b < 6; b++) {
            assertBlock(cache.get(file, b).block(TIMEOUT), 3, b, BLOCK);
        }
        // 0..3 fill the cache; 4 and 5 each evict the oldest block read only once (0, then 1).
        assertEquals(new BlockCache.Stats(0, 6, 6, 0, 2), cache.stats());
        assertEquals(4, cache.size());

        assertBlock(cache.get(file, 5).block(TIMEOUT), 3, 5, BLOCK);
        assertEquals(new BlockCache.Stats(1, 6, 6, 0, 2), cache.stats());

        assertBlock(cache.get(file, 0).block(TIMEOUT), 3, 0, BLOCK); // evicted: read again
        assertEquals(new BlockCache.Stats(1, 7, 7, 0, 3), cache.stats());
        assertEquals(7, file.reads.get());
        assertEquals(1.0 / 8, cache.stats().hitRatio(), 1e-9);

        assertBlock(unsubscribed.block(TIMEOUT), 3, 9, BLOCK);
        assertEquals(8, file.reads.get());
        assertEquals(4, cache.size());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void concurrentGetsOfOneMissingBlockShareOneRead(Engine kind) {
        IoEngine engine = engine(kind);
        ControlledFile file = new ControlledFile(writeFile(engine, "a", 11, 8L * BLOCK));
        AlignedBufferPool pool = cachePool(4).trackLeaks(true);
        BlockCache cache = new BlockCache(16, pool);

        file.closeGate(); // the read waits, so all 50 gets are subscribed while it is in flight
        Mono<List<DirectBuffer>> all = Flux.range(0, 50).flatMap(i -> cache.get(file, 5), 50).collectList();
        StepVerifier.create(all)
                .then(() -> {
                    assertEquals(1, file.reads.get(), "50 waiters, one read");
                    assertEquals(50, cache.stats().misses());
                    file.openGate();
                })
                .assertNext(buffers -> {
                    assertEquals(50, buffers.size());
                    for (DirectBuffer b : buffers) {
                        assertSame(buffers.get(0), b);
                    }
                    assertBlock(buffers.get(0), 11, 5, BLOCK);
                })
                .expectComplete()
                .verify(TIMEOUT);

        assertEquals(1, file.reads.get());
        assertEquals(new BlockCache.Stats(0, 50, 1, 0, 0), cache.stats());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void racingThreadsReadEachBlockOnce(Engine kind) throws Exception {
        IoEngine engine = engine(kind);
        int blocks = 32;
        ControlledFile file = new ControlledFile(writeFile(engine, "a", 5, (long) blocks * BLOCK));
        AlignedBufferPool pool = cachePool(8).trackLeaks(true);
        BlockCache cache = new BlockCache(64, pool);
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                done.add(executor.submit(() -> {
                    List<Integer> order = new ArrayList<>();
                    for (int b = 0; b < blocks; b++) {
                        order.add(b);
                    }
                    Collections.shuffle(order, new Random(seed));
                    start.await();
                    for (int b : order) {
                        assertBlock(cache.get(file, b).block(TIMEOUT), 5, b, BLOCK);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
        for (int b = 0; b < blocks; b++) {
            assertEquals(1, file.readsAt((long) b * BLOCK), "reads of block " + b);
        }
        BlockCache.Stats stats = cache.stats();
        assertEquals(blocks, stats.loads());
        assertEquals((long) threads * blocks, stats.hits() + stats.misses());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void capacityIsNeverExceeded(Engine kind) {
        IoEngine engine = engine(kind);
        int blocks = 200;
        DirectFile file = writeFile(engine, "a", 13, (long) blocks * BLOCK);
        AlignedBufferPool pool = cachePool(16).trackLeaks(true);
        BlockCache cache = new BlockCache(32, pool);
        AtomicInteger largest = new AtomicInteger();
        Random random = new Random(42);
        long[] requests = new long[3000];
        for (int i = 0; i < requests.length; i++) {
            // skewed: half the gets go to 20 blocks, the rest anywhere
            requests[i] = random.nextBoolean() ? random.nextInt(20) : random.nextInt(blocks);
        }

        Long checked = Flux.range(0, requests.length)
                .flatMap(i -> cache.get(file, requests[i]).doOnNext(b -> {
                    assertBlock(b, 13, requests[i], BLOCK);
                    largest.accumulateAndGet(cache.size(), Math::max);
                }), 32)
                .count()
                .block(TIMEOUT);

        assertEquals(requests.length, checked);
        assertTrue(largest.get() <= 32, "size reached " + largest.get());
        assertEquals(32, cache.size());
        BlockCache.Stats stats = cache.stats();
        assertEquals(requests.length, stats.hits() + stats.misses());
        // Every block read was cached, and is either still there or was evicted.
        assertEquals(stats.loads() - stats.loadFailures(), cache.size() + stats.evictions());
        assertTrue(stats.hits() > 0);
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aScanDoesNotEvictTheHotSet(Engine kind) {
        IoEngine engine = engine(kind);
        int capacity = 100;
        int hot = 40;
        int scan = 10 * capacity;
        DirectFile file = writeFile(engine, "a", 17, (long) (hot + scan) * BLOCK);
        AlignedBufferPool pool = cachePool(8).trackLeaks(true);
        BlockCache cache = new BlockCache(capacity, pool);

        for (int round = 0; round < 3; round++) {
            for (int b = 0; b < hot; b++) {
                assertBlock(cache.get(file, b).block(TIMEOUT), 17, b, BLOCK);
            }
        }
        for (int b = hot; b < hot + scan; b++) { // each block once: ten times the capacity
            assertBlock(cache.get(file, b).block(TIMEOUT), 17, b, BLOCK);
        }
        assertTrue(cache.stats().evictions() >= scan - capacity, "the scan overflowed the cache");

        long hitsBefore = cache.stats().hits();
        for (int b = 0; b < hot; b++) {
            assertBlock(cache.get(file, b).block(TIMEOUT), 17, b, BLOCK);
        }
        double hotHitRatio = (double) (cache.stats().hits() - hitsBefore) / hot;
        // LRU or plain FIFO would now hold only the last 100 scanned blocks: a hot hit ratio of 0.
        assertTrue(hotHitRatio >= 0.9, "hot set hit ratio after the scan: " + hotHitRatio);
        assertTrue(cache.size() <= capacity);
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aBlockPastTheEndFailsNamingPathBlockAndOffset(Engine kind) {
        IoEngine engine = engine(kind);
        DirectFile file = writeFile(engine, "a", 19, 3L * BLOCK);
        AlignedBufferPool pool = cachePool(2).trackLeaks(true);
        BlockCache cache = new BlockCache(8, pool);

        for (long blockNo : new long[] {3, 10}) {
            EOFException e = assertInstanceOf(EOFException.class,
                    assertThrows(RuntimeException.class, () -> cache.get(file, blockNo).block(TIMEOUT)).getCause());
            String m = e.getMessage();
            assertTrue(m.contains(file.path().toString()), m);
            assertTrue(m.contains("block " + blockNo), m);
            assertTrue(m.contains(String.valueOf(blockNo * BLOCK)), m);
        }
        assertThrows(RuntimeException.class, () -> cache.get(file, 3).block(TIMEOUT)); // errors are not cached
        assertEquals(new BlockCache.Stats(0, 3, 3, 3, 0), cache.stats());
        assertEquals(0, cache.size());
        StepVerifier.create(cache.get(file, -1)).expectError(IllegalArgumentException.class).verify(TIMEOUT);
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aFailedLoadReachesEveryWaiterAndTheNextGetRetries(Engine kind) {
        IoEngine engine = engine(kind);
        ControlledFile file = new ControlledFile(writeFile(engine, "a", 23, 4L * BLOCK));
        AlignedBufferPool pool = cachePool(2).trackLeaks(true);
        BlockCache cache = new BlockCache(8, pool);

        file.failNextReads(1);
        file.closeGate();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            cache.get(file, 1).subscribe(b -> fail("expected an error"), errors::add);
        }
        assertEquals(1, file.reads.get());
        file.openGate();
        assertEquals(3, errors.size());
        for (Throwable e : errors) {
            assertSame(errors.get(0), e);
            assertEquals(Errno.EIO, assertInstanceOf(IoOperationException.class, e).errno());
        }
        assertEquals(new BlockCache.Stats(0, 3, 1, 1, 0), cache.stats());
        assertEquals(0, cache.size());

        assertBlock(cache.get(file, 1).block(TIMEOUT), 23, 1, BLOCK);
        assertEquals(2, file.reads.get());
        assertEquals(new BlockCache.Stats(0, 4, 2, 1, 0), cache.stats());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGetCancelledWhileWaitingForABufferLeaksNothing(Engine kind) {
        IoEngine engine = engine(kind);
        ControlledFile file = new ControlledFile(writeFile(engine, "a", 29, 4L * BLOCK));
        AlignedBufferPool pool = cachePool(1).trackLeaks(true);
        BlockCache cache = new BlockCache(8, pool);

        AlignedBuffer held = pool.tryLease();
        Disposable get = cache.get(file, 0).subscribe();
        assertEquals(1, pool.waiting());
        get.dispose();
        held.release();
        pool.assertNoLeaks();
        assertEquals(0, file.reads.get(), "the cancelled load never read");

        assertBlock(cache.get(file, 0).block(TIMEOUT), 29, 0, BLOCK); // a new load, not the abandoned one
        assertEquals(1, file.reads.get());
        assertEquals(2, cache.stats().loads());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void getsCancelledDuringTheReadLeakNothing(Engine kind) {
        IoEngine engine = engine(kind);
        int blocks = 16;
        DirectFile file = writeFile(engine, "a", 31, (long) blocks * BLOCK);
        AlignedBufferPool pool = cachePool(4).trackLeaks(true);
        BlockCache cache = new BlockCache(64, pool);

        for (int i = 0; i < 2000; i++) {
            cache.get(file, i % blocks).subscribe().dispose(); // the engine releases what the kernel still uses
        }
        awaitAllReturned(pool);

        for (int b = 0; b < blocks; b++) {
            assertBlock(cache.get(file, b).block(TIMEOUT), 31, b, BLOCK);
        }
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void oneWaiterCancellingDoesNotCancelTheLoadForTheOthers(Engine kind) {
        IoEngine engine = engine(kind);
        ControlledFile file = new ControlledFile(writeFile(engine, "a", 37, 4L * BLOCK));
        AlignedBufferPool pool = cachePool(2).trackLeaks(true);
        BlockCache cache = new BlockCache(8, pool);

        file.closeGate();
        Disposable leaving = cache.get(file, 2).subscribe();
        StepVerifier.create(cache.get(file, 2))
                .then(() -> {
                    leaving.dispose();
                    file.openGate();
                })
                .assertNext(b -> assertBlock(b, 37, 2, BLOCK))
                .expectComplete()
                .verify(TIMEOUT);
        assertEquals(1, file.reads.get());
        assertEquals(1, cache.size());

        file.closeGate(); // and when every waiter leaves, the read is cancelled and nothing is cached
        Disposable a = cache.get(file, 3).subscribe();
        Disposable b = cache.get(file, 3).subscribe();
        a.dispose();
        b.dispose();
        file.openGate();
        awaitAllReturned(pool);
        assertEquals(1, cache.size());
        assertBlock(cache.get(file, 3).block(TIMEOUT), 37, 3, BLOCK);
        assertEquals(3, file.reads.get());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aShortLastBlockGivesAShorterBuffer(Engine kind) {
        IoEngine engine = engine(kind);
        DirectFile odd = writeFile(engine, "odd", 41, 3L * BLOCK + 1000);
        DirectFile half = writeFile(engine, "half", 43, 5L * BLOCK + 4096);
        AlignedBufferPool pool = cachePool(2).trackLeaks(true);
        BlockCache cache = new BlockCache(8, pool);

        assertBlock(cache.get(odd, 2).block(TIMEOUT), 41, 2, BLOCK);
        assertBlock(cache.get(odd, 3).block(TIMEOUT), 41, 3, 1000);
        assertBlock(cache.get(odd, 3).block(TIMEOUT), 41, 3, 1000); // and cached as such
        assertBlock(cache.get(half, 5).block(TIMEOUT), 43, 5, 4096);
        StepVerifier.create(cache.get(odd, 4)).expectError(EOFException.class).verify(TIMEOUT);
        StepVerifier.create(cache.get(half, 6)).expectError(EOFException.class).verify(TIMEOUT);
        assertEquals(1, cache.stats().hits());
        pool.assertNoLeaks();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void invalidatingAFileDropsItsBlocksOnly(Engine kind) {
        IoEngine engine = engine(kind);
        ControlledFile a = new ControlledFile(writeFile(engine, "a", 47, 4L * BLOCK));
        DirectFile b = writeFile(engine, "b", 53, 4L * BLOCK);
        AlignedBufferPool pool = cachePool(2).trackLeaks(true);
        BlockCache cache = new BlockCache(16, pool);
        for (int n = 0; n < 3; n++) {
            cache.get(a, n).block(TIMEOUT);
            cache.get(b, n).block(TIMEOUT);
        }
        assertEquals(6, cache.size());

        assertEquals(3, cache.invalidateFile(a.id()));
        assertEquals(3, cache.size());
        DirectBuffer stillCached = cache.get(b, 1).block(TIMEOUT);
        assertBlock(stillCached, 53, 1, BLOCK);
        assertEquals(1, cache.stats().hits());
        assertBlock(cache.get(a, 1).block(TIMEOUT), 47, 1, BLOCK);
        assertEquals(4, a.reads.get(), "an invalidated block is read again");
        assertEquals(4, cache.size());

        a.closeGate(); // a load in flight when its file is invalidated still answers, but is not cached
        StepVerifier.create(cache.get(a, 3))
                .then(() -> {
                    assertEquals(1, cache.invalidateFile(a.id()));
                    a.openGate();
                })
                .assertNext(buf -> assertBlock(buf, 47, 3, BLOCK))
                .expectComplete()
                .verify(TIMEOUT);
        assertEquals(3, cache.size());
        pool.assertNoLeaks();
    }

    /** File ids key the cache: files of different engines in one process must never share one. */
    @Test
    void filesOfDifferentEnginesNeverShareBlocks() {
        IoEngine uring = engine(Engine.URING);
        IoEngine channel = engine(Engine.FILECHANNEL);
        // Reopen files on whichever engine is behind until its ids catch up: were ids counted per engine, the two
        // counters would meet on one value (each open takes the next id).
        DirectFile u = writeFile(uring, "u", 59, BLOCK);
        DirectFile c = writeFile(channel, "c", 61, BLOCK);
        while (c.id() < u.id()) {
            c = reopen(channel, c.path());
        }
        while (u.id() < c.id()) {
            u = reopen(uring, u.path());
        }
        assertNotEquals(u.id(), c.id());

        AlignedBufferPool pool = cachePool(2).trackLeaks(true);
        BlockCache cache = new BlockCache(8, pool);
        assertBlock(cache.get(u, 0).block(TIMEOUT), 59, 0, BLOCK);
        assertBlock(cache.get(c, 0).block(TIMEOUT), 61, 0, BLOCK);
        pool.assertNoLeaks();
    }

    @Test
    void rejectsBadConfiguration() {
        AlignedBufferPool small = new AlignedBufferPool(4096, 1, 4096);
        assertThrows(IllegalArgumentException.class, () -> new BlockCache(8, small));
        assertThrows(IllegalArgumentException.class, () -> new BlockCache(0, cachePool(1)));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private IoEngine engine(Engine kind) {
        IoEngine e = kind.create();
        engines.add(e);
        return e;
    }

    private int alignment() {
        return Math.max(Alignment.MIN, Alignment.forDirectory(dir));
    }

    private AlignedBufferPool cachePool(int buffers) {
        return new AlignedBufferPool(BLOCK, buffers, alignment());
    }

    /** The content of every file: each 8-byte word holds its own offset xor the file's salt (little-endian). */
    private static byte expectedByte(long salt, long offset) {
        long word = (offset & ~7L) ^ salt;
        return (byte) (word >>> ((offset & 7) * 8));
    }

    private static void assertBlock(DirectBuffer buffer, long salt, long blockNo, int length) {
        assertEquals(length, buffer.capacity(), "length of block " + blockNo);
        long base = blockNo * BLOCK;
        for (int i = 0; i < length; i++) {
            if (buffer.getByte(i) != expectedByte(salt, base + i)) {
                fail("block " + blockNo + " differs at byte " + i);
            }
        }
    }

    /**
     * Writes {@code length} bytes of the salted pattern with O_DIRECT (whole blocks, then truncates a short
     * tail), closes the file and reopens it for reading.
     */
    private DirectFile writeFile(IoEngine engine, String name, long salt, long length) {
        Path path = dir.resolve(name);
        int chunk = 32 * BLOCK;
        AlignedBufferPool pool = new AlignedBufferPool(chunk, 1, alignment()).trackLeaks(true);
        DirectFile writer = engine.open(path, OpenMode.CREATE_NEW_WRITE).block(TIMEOUT);
        try {
            long padded = Alignment.alignUp(length, BLOCK);
            for (long at = 0; at < padded; at += chunk) {
                int n = (int) Math.min(chunk, padded - at);
                AlignedBuffer buffer = pool.tryLease();
                try {
                    for (int i = 0; i < n; i += 8) {
                        buffer.view().putLong(i, (at + i) ^ salt, ByteOrder.LITTLE_ENDIAN);
                    }
                    assertEquals(n, writer.write(at, buffer, n).block(TIMEOUT));
                } finally {
                    buffer.release();
                }
            }
            if (padded != length) {
                writer.truncate(length).block(TIMEOUT);
            }
            assertEquals(length, writer.size().block(TIMEOUT));
        } finally {
            writer.close().block(TIMEOUT);
        }
        pool.assertNoLeaks();
        return reopen(engine, path);
    }

    private DirectFile reopen(IoEngine engine, Path path) {
        DirectFile reader = engine.open(path, OpenMode.READ).block(TIMEOUT);
        files.add(reader);
        return reader;
    }

    /** Waits (without sleeping) until every buffer is back in the pool, by leasing them all. */
    private static void awaitAllReturned(AlignedBufferPool pool) {
        List<AlignedBuffer> all = Flux.range(0, pool.capacity())
                .flatMap(i -> pool.lease(), pool.capacity())
                .collectList()
                .block(TIMEOUT);
        all.forEach(AlignedBuffer::release);
        pool.assertNoLeaks();
    }

    /**
     * A file that counts reads and can hold them behind a gate or fail them. While it holds a read it acts as
     * the engine under the DirectFile contract: if the subscriber cancels, it releases the buffer itself.
     */
    private static final class ControlledFile implements DirectFile {
        private static final int WAITING = 0;
        private static final int STARTED = 1;
        private static final int CANCELLED = 2;

        private final DirectFile delegate;
        final AtomicInteger reads = new AtomicInteger();
        private final ConcurrentHashMap<Long, AtomicInteger> readsByOffset = new ConcurrentHashMap<>();
        private final AtomicInteger failures = new AtomicInteger();
        private volatile Sinks.Empty<Void> gate;

        ControlledFile(DirectFile delegate) {
            this.delegate = delegate;
        }

        void closeGate() {
            gate = Sinks.empty();
        }

        void openGate() {
            Sinks.Empty<Void> g = gate;
            gate = null;
            g.tryEmitEmpty();
        }

        void failNextReads(int n) {
            failures.set(n);
        }

        int readsAt(long offset) {
            AtomicInteger n = readsByOffset.get(offset);
            return n == null ? 0 : n.get();
        }

        @Override
        public Mono<Integer> read(ReadOp op) {
            return Mono.defer(() -> {
                reads.incrementAndGet();
                readsByOffset.computeIfAbsent(op.offset(), k -> new AtomicInteger()).incrementAndGet();
                boolean failing = failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                Sinks.Empty<Void> g = gate;
                if (g == null && !failing) {
                    return delegate.read(op);
                }
                AtomicInteger state = new AtomicInteger(WAITING);
                return (g == null ? Mono.<Void>empty() : g.asMono())
                        .then(Mono.defer(() -> {
                            if (!state.compareAndSet(WAITING, STARTED)) {
                                return Mono.<Integer>empty();
                            }
                            return failing
                                    ? Mono.<Integer>error(new IoOperationException("read", path(), op.offset(), Errno.EIO))
                                    : delegate.read(op);
                        }))
                        .doOnCancel(() -> {
                            if (state.compareAndSet(WAITING, CANCELLED)) {
                                op.buffer().release();
                            }
                        });
            });
        }

        @Override
        public Path path() {
            return delegate.path();
        }

        @Override
        public long id() {
            return delegate.id();
        }

        @Override
        public OpenMode mode() {
            return delegate.mode();
        }

        @Override
        public int alignment() {
            return delegate.alignment();
        }

        @Override
        public Flux<ReadCompletion> readBatch(List<ReadOp> ops) {
            return delegate.readBatch(ops);
        }

        @Override
        public Mono<Integer> write(long offset, AlignedBuffer buffer, int bufferOffset, int length) {
            return delegate.write(offset, buffer, bufferOffset, length);
        }

        @Override
        public Mono<Void> fallocate(long offset, long length) {
            return delegate.fallocate(offset, length);
        }

        @Override
        public Mono<Void> truncate(long length) {
            return delegate.truncate(length);
        }

        @Override
        public Mono<Void> fsync() {
            return delegate.fsync();
        }

        @Override
        public Mono<Long> size() {
            return delegate.size();
        }

        @Override
        public Mono<Void> close() {
            return delegate.close();
        }
    }
}
