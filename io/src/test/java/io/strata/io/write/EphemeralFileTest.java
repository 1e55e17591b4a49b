package io.strata.io.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.channel.FileChannelIoEngine;
import io.strata.io.file.Errno;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoOperationException;
import io.strata.io.file.TestFiles;
import io.strata.io.uring.UringIoEngine;
import io.strata.io.write.EphemeralFile.ByteRange;
import io.strata.io.write.InterposedIoEngine.Recorded;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The ephemeral file on both engines: Neon's ephemeral_file and vectored_dio_read tests where they apply, reads
 * while writes are in flight (held by the test), random reads against a byte[] model, a concurrent reader, errors
 * and close.
 */
class EphemeralFileTest {
    static final Duration T = Duration.ofSeconds(30);
    static final int ALIGN = 4096;

    @TempDir
    Path dir;
    InterposedIoEngine engine;
    AlignedBufferPool pool;
    final List<EphemeralFile> open = new ArrayList<>();

    void start(IoEngineKind kind, int bufferSize, int buffers) {
        if (kind == IoEngineKind.URING) {
            Assumptions.assumeTrue(UringIoEngine.isAvailable(), "io_uring unavailable");
            engine = new InterposedIoEngine(new UringIoEngine(IoConfig.defaults()));
        } else {
            engine = new InterposedIoEngine(new FileChannelIoEngine(IoConfig.defaults()));
        }
        pool = new AlignedBufferPool(bufferSize, buffers, ALIGN).trackLeaks(true);
    }

    void start(IoEngineKind kind) {
        start(kind, 16 * 1024, 16);
    }

    EphemeralFile create(EphemeralFile.Options options) {
        EphemeralFile f = EphemeralFile.create(engine, dir, pool, options).block(T);
        open.add(f);
        return f;
    }

    EphemeralFile create() {
        return create(EphemeralFile.Options.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        if (engine == null) {
            return;
        }
        try {
            engine.releaseWrites();
            engine.releaseReads();
            for (EphemeralFile f : open) {
                f.close().block(T);
            }
            TestFiles.awaitAllReturned(pool, T);
            assertEquals(List.of(), ephemeralFiles(), "ephemeral files left");
        } finally {
            engine.close();
        }
    }

    List<Path> ephemeralFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> EphemeralFile.isEphemeralFile(p.getFileName().toString())).toList();
        }
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static void assertRange(byte[] content, long pos, int len, byte[] actual) {
        assertEquals(len, actual.length, "length of the read at " + pos);
        for (int i = 0; i < len; i++) {
            if (content[(int) pos + i] != actual[i]) {
                throw new AssertionError("read of " + len + " bytes at " + pos + ": byte " + (pos + i) + " differs");
            }
        }
    }

    /** Neon's test_ephemeral_file_basics: 2.5 buffers appended in alignment-sized pieces, each read back. */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void basics(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create(EphemeralFile.Options.defaults().withPreallocateStep(0));
        int cap = pool.bufferSize();
        int n = cap * 2 + cap / 2;
        byte[] content = random(1, n);
        List<Long> offsets = new ArrayList<>();
        for (int start = 0; start < n; start += ALIGN) {
            int len = Math.min(ALIGN, n - start);
            offsets.add(file.append(Arrays.copyOfRange(content, start, start + len)).block(T));
        }
        assertEquals(n, file.length());
        for (int i = 0, start = 0; start < n; i++, start += ALIGN) {
            int len = Math.min(ALIGN, n - start);
            assertEquals(start, offsets.get(i));
            assertRange(content, start, len, file.read(start, len).block(T));
        }
        file.writesDone().block(T);
        assertEquals(2L * cap, file.submittedLength());
        byte[] onDisk = Files.readAllBytes(file.path());
        assertArrayEquals(Arrays.copyOf(content, 2 * cap), onDisk, "the file holds the full buffers only");
        assertEquals(1, file.buffersInMemory(), "only the tail stays in memory once the writes completed");
    }

    /**
     * Neon's test_read_split_across_file_and_buffer: reads within and across the file, a buffer being written and
     * the tail, while the write is held in flight and after it completed.
     */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void readsSplitAcrossFileWriteInFlightAndTail(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create();
        int cap = pool.bufferSize();
        int align = ALIGN;
        byte[] content = random(2, cap * 2 + cap / 2);
        file.append(Arrays.copyOf(content, cap)).block(T);
        file.writesDone().block(T); // buffer 0 is in the file
        engine.holdWrites();
        file.append(Arrays.copyOfRange(content, cap, content.length)).block(T);
        assertEquals(1, engine.writesWaiting.get(), "buffer 1's write is in flight");
        assertEquals(2, file.buffersInMemory());
        Runnable all = () -> {
            long[][] cases = {
                    {align, align},                 // within the file
                    {cap - align, align},           // border onto the edge of the file
                    {cap - align, 2L * align},      // across the file and the buffer being written
                    {cap, align},                   // start of the buffer being written
                    {cap + align, align},           // within it
                    {2L * cap - align, align},      // its edge
                    {2L * cap - align, 2L * align}, // across it and the tail
                    {cap - align, cap + 2L * align}, // across all three
                    {2L * cap + align, align},      // within the tail
                    {0, content.length},            // everything
                    {3, 1}, {cap - 1, 2}, {2L * cap - 1, 2}, {content.length - 1, 1}, {17, 0},
            };
            for (long[] c : cases) {
                assertRange(content, c[0], (int) c[1], file.read(c[0], (int) c[1]).block(T));
            }
            List<ByteRange> vectored = new ArrayList<>();
            for (long[] c : cases) {
                vectored.add(new ByteRange(c[0], (int) c[1]));
            }
            List<byte[]> got = file.read(vectored).block(T);
            for (int i = 0; i < cases.length; i++) {
                assertRange(content, cases[i][0], (int) cases[i][1], got.get(i));
            }
        };
        all.run();
        engine.releaseWrites();
        file.writesDone().block(T);
        assertEquals(1, file.buffersInMemory());
        all.run();
    }

    /** Neon's test_flushes_do_happen: 2.5 buffers in one append leave exactly two buffers in the file. */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void oneLargeAppendFlushesTheFullBuffers(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create(EphemeralFile.Options.defaults().withPreallocateStep(0));
        int cap = pool.bufferSize();
        byte[] content = random(3, cap * 2 + cap / 2);
        assertEquals(0L, file.append(content).block(T));
        assertRange(content, 0, content.length, file.read(0, content.length).block(T));
        file.writesDone().block(T);
        assertEquals(2L * cap, Files.size(file.path()));
        assertArrayEquals(Arrays.copyOf(content, 2 * cap), Files.readAllBytes(file.path()));
    }

    /** Random appends and random vectored reads against a byte[] model, some with every write held in flight. */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void randomReadsMatchTheModel(IoEngineKind kind) throws Exception {
        start(kind, 16 * 1024, 12);
        EphemeralFile file = create(EphemeralFile.Options.defaults().withMaxWritesInFlight(3)
                .withPreallocateStep(64 * 1024));
        SplittableRandom rnd = new SplittableRandom(4);
        byte[] model = new byte[0];
        for (int round = 0; round < 60; round++) {
            boolean held = round % 5 == 4;
            if (held) {
                file.writesDone().block(T);
                engine.holdWrites();
            }
            int n = rnd.nextInt(4) == 0 ? rnd.nextInt(40_000) : rnd.nextInt(300);
            if (held) {
                n = Math.min(n, 2 * pool.bufferSize()); // at most three writes waiting: none waits for a slot
            }
            byte[] add = random(round, n);
            long pos = file.append(add).block(T);
            assertEquals(model.length, pos);
            model = Arrays.copyOf(model, model.length + n);
            System.arraycopy(add, 0, model, (int) pos, n);
            assertEquals(model.length, file.length());
            for (int q = 0; q < 4; q++) {
                List<ByteRange> ranges = new ArrayList<>();
                int k = 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 40);
                for (int j = 0; j < k && model.length > 0; j++) {
                    long p = rnd.nextLong(model.length);
                    int len = (int) Math.min(model.length - p, rnd.nextInt(rnd.nextBoolean() ? 200 : 70_000));
                    ranges.add(new ByteRange(p, len));
                }
                List<byte[]> got = file.read(ranges).block(T);
                for (int j = 0; j < ranges.size(); j++) {
                    assertRange(model, ranges.get(j).pos(), ranges.get(j).len(), got.get(j));
                }
            }
            if (held) {
                engine.releaseWrites();
            }
        }
        assertRange(model, 0, model.length, file.read(0, model.length).block(T));
    }

    /**
     * A reader on its own thread reads ranges below the length it observes while the writer appends: every read
     * returns the appended bytes, whatever the writes in flight, their completion or the buffers' recycling do.
     */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void readersConcurrentWithTheWriterSeeEveryCompletedAppend(IoEngineKind kind) throws Exception {
        start(kind, 8192, 8);
        EphemeralFile file = create(EphemeralFile.Options.defaults().withMaxWritesInFlight(2));
        int total = 2_000_000;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Throwable> readerError = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            long seed = t;
            Thread reader = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                try {
                    int reads = 0;
                    while (writing.get() || reads < 50) {
                        long len = file.length();
                        if (len == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        // mostly the newest bytes: the ones in buffers being written or recycled
                        long p = rnd.nextBoolean() ? Math.max(0, len - 1 - rnd.nextInt(40_000)) : rnd.nextLong(len);
                        int n = (int) Math.min(len - p, 1 + rnd.nextInt(20_000));
                        byte[] got = file.read(p, n).block(T);
                        for (int i = 0; i < n; i++) {
                            if (got[i] != TestFiles.byteAt(p + i)) {
                                throw new AssertionError("byte " + (p + i) + " differs (read of " + n + " at " + p
                                        + ", length " + len + ")");
                            }
                        }
                        reads++;
                    }
                } catch (Throwable e) {
                    readerError.compareAndSet(null, e);
                }
            }, "ephemeral-reader-" + t);
            readers.add(reader);
            reader.start();
        }
        try {
            SplittableRandom rnd = new SplittableRandom(7);
            List<byte[]> chunks = new ArrayList<>();
            for (long pos = 0; pos < total; ) {
                int n = (int) Math.min(total - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 12_000));
                byte[] c = new byte[n];
                for (int i = 0; i < n; i++) {
                    c[i] = TestFiles.byteAt(pos + i);
                }
                chunks.add(c);
                pos += n;
            }
            Flux.fromIterable(chunks).concatMap(file::append, 1).then().block(T);
        } finally {
            writing.set(false);
            for (Thread r : readers) {
                r.join();
            }
        }
        if (readerError.get() != null) {
            throw new AssertionError("reader failed", readerError.get());
        }
        assertEquals(total, file.length());
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void readPastTheEndFailsNamingPathAndOffset(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create();
        file.append(random(5, 100_000)).block(T);
        for (long[] c : new long[][] {{99_999, 2}, {100_000, 1}, {200_000, 10}}) {
            StepVerifier.create(file.read(c[0], (int) c[1])).expectErrorSatisfies(e -> {
                IoOperationException io = assertInstanceOf(IoOperationException.class, e);
                assertEquals(c[0], io.offset());
                assertEquals(file.path(), io.path());
                assertInstanceOf(EOFException.class, io.getCause());
                assertTrue(e.getMessage().contains(file.path().toString()), e.getMessage());
                assertTrue(e.getMessage().contains("past the end"), e.getMessage());
                assertTrue(e.getMessage().contains("100000 bytes appended"), e.getMessage());
            }).verify(T);
        }
        // one bad range fails the whole vectored read
        StepVerifier.create(file.read(List.of(new ByteRange(0, 10), new ByteRange(99_990, 11))))
                .expectError(IoOperationException.class).verify(T);
        assertEquals(0, file.read(100_000, 0).block(T).length);
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void closeDeletesTheFileReleasesTheBuffersAndIsIdempotent(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create();
        assertTrue(EphemeralFile.isEphemeralFile(file.path().getFileName().toString()));
        assertEquals(dir, file.path().getParent());
        engine.holdWrites();
        file.append(random(6, 3 * pool.bufferSize() / 2)).block(T); // one write held, one tail
        assertTrue(Files.exists(file.path()));
        Mono<Void> close = file.close();
        AtomicBoolean closed = new AtomicBoolean();
        close.subscribe(null, e -> { }, () -> closed.set(true));
        assertFalse(closed.get(), "close waits for the write in flight");
        engine.releaseWrites();
        close.block(T);
        assertFalse(Files.exists(file.path()));
        file.close().block(T);
        assertEquals(pool.capacity(), pool.available());
        StepVerifier.create(file.read(0, 1)).expectErrorMessage("read on closed ephemeral file " + file.path())
                .verify(T);
        StepVerifier.create(file.append(new byte[1])).expectErrorMessage("append to closed ephemeral file "
                + file.path()).verify(T);
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void closeWaitsForReadsInFlight(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create();
        byte[] content = random(7, 3 * pool.bufferSize());
        file.append(content).block(T);
        file.writesDone().block(T);
        engine.holdReads();
        Mono<byte[]> read = file.read(100, 20_000).cache();
        read.subscribe(null, e -> { });
        assertEquals(1, engine.readsWaiting.get());
        AtomicBoolean closed = new AtomicBoolean();
        file.close().subscribe(null, e -> { }, () -> closed.set(true));
        assertFalse(closed.get(), "close waits for the read");
        assertTrue(Files.exists(file.path()));
        engine.releaseReads();
        assertRange(content, 100, 20_000, read.block(T));
        file.close().block(T);
        assertFalse(Files.exists(file.path()));
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void appendsMustBeSequential(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create(EphemeralFile.Options.defaults().withMaxWritesInFlight(1));
        engine.holdWrites();
        // fills buffer 0 (written, held) and waits for the write slot before starting buffer 1
        Mono<Long> first = file.append(random(8, pool.bufferSize() + 10)).cache();
        first.subscribe(null, e -> { });
        StepVerifier.create(file.append(new byte[1])).expectErrorMessage("append to " + file.path()
                + " while another append is running: appends must be sequential").verify(T);
        engine.releaseWrites();
        assertEquals(0L, first.block(T));
        assertEquals(pool.bufferSize() + 10L, file.append(new byte[1]).block(T));
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aFailedWriteFailsLaterAppendsAndKeepsTheBytesReadable(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = create();
        int cap = pool.bufferSize();
        byte[] content = random(9, cap + 100);
        engine.holdWrites(); // the write of buffer 0 fails only after the append completed
        file.append(content).block(T);
        engine.failWrites(true);
        engine.releaseWrites();
        file.writesDone().block(T);
        assertRange(content, 0, content.length, file.read(0, content.length).block(T));
        StepVerifier.create(file.append(new byte[cap])).expectErrorSatisfies(e -> {
            IoOperationException io = assertInstanceOf(IoOperationException.class, e);
            assertEquals("append", io.operation());
            assertEquals(file.path(), io.path());
            IoOperationException cause = assertInstanceOf(IoOperationException.class, io.getCause());
            assertEquals(Errno.EIO, cause.errno());
            assertEquals(0, cause.offset());
        }).verify(T);
        assertRange(content, 0, content.length, file.read(0, content.length).block(T));
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void anExistingNameIsRefusedAndTheCounterSkipsIt(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile a = EphemeralFile.create(engine, dir, 424242, pool, EphemeralFile.Options.defaults())
                .block(T);
        open.add(a);
        assertEquals(dir.resolve("ephemeral-424242"), a.path());
        assertEquals(424242, a.id());
        StepVerifier.create(EphemeralFile.create(engine, dir, 424242, pool, EphemeralFile.Options.defaults()))
                .expectErrorSatisfies(e -> assertEquals(Errno.EEXIST,
                        assertInstanceOf(IoOperationException.class, e).errno()))
                .verify(T);
        EphemeralFile next = create();
        Files.createFile(dir.resolve(EphemeralFile.fileName(next.id() + 1))); // left by a crash
        EphemeralFile after = create();
        assertTrue(after.id() > next.id() + 1, "skipped the leftover");
        Files.delete(dir.resolve(EphemeralFile.fileName(next.id() + 1)));
    }

    /** Neon's test_logical_reads_to_same_chunk_are_merged_into_one_chunk_read. */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void readsOfOneChunkAreOneRead(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = onDisk(2 * pool.bufferSize());
        engine.reads.clear();
        file.read(List.of(new ByteRange(ALIGN, 10), new ByteRange(ALIGN + 30, 20))).block(T);
        assertEquals(List.of(new Recorded(ALIGN, ALIGN)), List.copyOf(engine.reads));
    }

    /** Neon's test_max_chunk_batch_size_is_respected: adjacent chunks merge up to 128 KiB. */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void mergedReadsStopAtTheMaximumSize(IoEngineKind kind) throws Exception {
        start(kind, 128 * 1024, 8);
        int maxChunks = EphemeralFile.MAX_PHYSICAL_READ / ALIGN;
        EphemeralFile file = onDisk(4 * EphemeralFile.MAX_PHYSICAL_READ);
        engine.reads.clear();
        List<ByteRange> ranges = new ArrayList<>();
        for (int i = 3; i < 3 + maxChunks + maxChunks / 2; i++) {
            ranges.add(new ByteRange((long) i * ALIGN + 10, 1));
        }
        file.read(ranges).block(T);
        assertEquals(List.of(new Recorded(3L * ALIGN, EphemeralFile.MAX_PHYSICAL_READ),
                new Recorded((3L + maxChunks) * ALIGN, maxChunks / 2 * ALIGN)), List.copyOf(engine.reads));
        assertEquals(List.of(2), List.copyOf(engine.batches), "both reads in one batch");
    }

    /** Neon's test_batch_breaks_if_chunk_is_not_interesting. */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aGapBreaksTheMerge(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = onDisk(2 * pool.bufferSize());
        engine.reads.clear();
        file.read(List.of(new ByteRange(2L * ALIGN, 1), new ByteRange(0, 1))).block(T);
        assertEquals(List.of(new Recorded(0, ALIGN), new Recorded(2L * ALIGN, ALIGN)), List.copyOf(engine.reads));
    }

    /** Neon's test_blackbox: every order of a set of reads touching, spanning and skipping chunks. */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void blackbox(IoEngineKind kind) throws Exception {
        start(kind);
        int cs = ALIGN;
        byte[] content = random(10, 10 * cs);
        EphemeralFile file = create();
        file.append(content).block(T);
        List<ByteRange> reads = List.of(new ByteRange(0, 1), new ByteRange(1, 2), new ByteRange(cs - 1, 2),
                new ByteRange(3L * cs - 1, cs + 2), new ByteRange(5L * cs, 1));
        for (List<ByteRange> perm : permutations(reads)) {
            List<byte[]> got = file.read(perm).block(T);
            for (int i = 0; i < perm.size(); i++) {
                assertRange(content, perm.get(i).pos(), perm.get(i).len(), got.get(i));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aCancelledReadReturnsItsBuffers(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = onDisk(2 * pool.bufferSize());
        engine.holdReads();
        Disposable d = file.read(List.of(new ByteRange(0, 10), new ByteRange(3L * ALIGN, 10))).subscribe(null,
                e -> { });
        assertEquals(1, engine.readsWaiting.get());
        d.dispose();
        engine.releaseReads();
        assertEquals(pool.capacity() - 1, pool.available(), "only the tail is leased");
        assertEquals(10, file.read(0, 10).block(T).length);
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aFailedReadFailsTheCallAndReturnsItsBuffers(IoEngineKind kind) throws Exception {
        start(kind);
        EphemeralFile file = onDisk(2 * pool.bufferSize());
        engine.failReads(true);
        StepVerifier.create(file.read(List.of(new ByteRange(0, 10), new ByteRange(2L * pool.bufferSize(), 1))))
                .expectErrorSatisfies(e -> {
                    IoOperationException io = assertInstanceOf(IoOperationException.class, e);
                    assertEquals(Errno.EIO, io.errno());
                    assertEquals(file.path(), io.path());
                }).verify(T);
        assertEquals(pool.capacity() - 1, pool.available(), "only the tail is leased");
        // the tail alone needs no read from the file
        assertEquals(1, file.read(2L * pool.bufferSize(), 1).block(T).length);
        engine.failReads(false);
        assertEquals(10, file.read(0, 10).block(T).length);
    }

    @Test
    void ephemeralFileNames() {
        assertTrue(EphemeralFile.isEphemeralFile("ephemeral-1"));
        assertTrue(EphemeralFile.isEphemeralFile("ephemeral-18446744073709551615"));
        assertFalse(EphemeralFile.isEphemeralFile("ephemeral-"));
        assertFalse(EphemeralFile.isEphemeralFile("ephemeral-1a"));
        assertFalse(EphemeralFile.isEphemeralFile("ephemeral-1.___temp"));
        assertFalse(EphemeralFile.isEphemeralFile("xephemeral-1"));
        assertEquals("ephemeral-42", EphemeralFile.fileName(42));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new EphemeralFile.Options(0, 0));
    }

    /** A file of {@code n} random bytes whose full buffers are all in the file. */
    private EphemeralFile onDisk(int n) {
        EphemeralFile file = create();
        file.append(random(11, n + 1)).block(T);
        file.writesDone().block(T);
        return file;
    }

    private static <E> List<List<E>> permutations(List<E> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<E>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<E> rest = new ArrayList<>(items);
            E head = rest.remove(i);
            for (List<E> p : permutations(rest)) {
                List<E> l = new ArrayList<>();
                l.add(head);
                l.addAll(p);
                out.add(l);
            }
        }
        return out;
    }
}
