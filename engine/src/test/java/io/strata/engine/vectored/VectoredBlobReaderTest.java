package io.strata.engine.vectored;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.BlobWriter;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoEngines;
import io.strata.io.file.OpenMode;
import io.strata.io.write.DirectFileWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Blobs written to a real file, planned with both planners, read back with VectoredBlobReader. */
class VectoredBlobReaderTest {
    static final int PAGE = 8192;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    final AlignedBufferPool pool = new AlignedBufferPool(64 * 1024, 8, 4096).trackLeaks(true);
    IoEngine engine;
    final List<byte[]> payloads = new ArrayList<>();
    final List<Long> offsets = new ArrayList<>();
    long fileEnd;
    Path path;

    @AfterEach
    void tearDown() {
        if (engine != null) {
            engine.close();
        }
    }

    static byte[] compressible(int i) {
        byte[] b = new byte[PAGE];
        for (int j = 0; j < b.length; j++) {
            b[j] = (byte) ((j / 64 + i) % 7);
        }
        return b;
    }

    static byte[] random(int len, long seed) {
        byte[] b = new byte[len];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** 300 blobs: compressible pages (stored zstd), random pages, short and medium random payloads. */
    void writeBlobs(IoEngineKind kind) {
        engine = IoEngines.create(IoConfig.defaults().withEngine(kind));
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 300; i++) {
            switch (i % 4) {
                case 0 -> payloads.add(compressible(i));
                case 1 -> payloads.add(random(PAGE, i));
                case 2 -> payloads.add(random(rnd.nextInt(128), i));
                default -> payloads.add(random(128 + rnd.nextInt(3000), i));
            }
        }
        path = dir.resolve("blobs");
        DirectFileWriter.Options options = DirectFileWriter.Options.defaults().withReservedPrefix(PAGE);
        Mono<Path> written = Mono.usingWhen(DirectFileWriter.create(engine, pool, path, options),
                file -> Mono.using(() -> BlobWriter.forFile(file, ImageCompressionAlgorithm.DEFAULT),
                        w -> Flux.fromIterable(payloads)
                                .concatMap(p -> {
                                    offsets.add(w.writeBlob(p));
                                    return w.flushIfNeeded();
                                })
                                .then(Mono.defer(w::flush))
                                .then(Mono.defer(() -> file.finish(ByteBuffer.allocate(PAGE)))),
                        BlobWriter::close),
                file -> Mono.empty(),
                (file, e) -> file.abort(),
                DirectFileWriter::abort);
        assertEquals(path, written.block(TIMEOUT));
        fileEnd = path.toFile().length();
        pool.assertNoLeaks();
    }

    static Key key(int i) {
        return new Key(0, 0, 0, 0, 0, i);
    }

    /** Every blob, except every third if {@code skipSome}, with the point-lookup planner. */
    List<VectoredRead> planLookup(boolean skipSome) {
        VectoredReadPlanner planner = new VectoredReadPlanner(VectoredReadPlanner.DEFAULT_MAX_READ_SIZE);
        for (int i = 0; i < offsets.size(); i++) {
            planner.handle(key(i), Lsn.of(i), offsets.get(i), skipSome && i % 3 == 1 ? BlobFlag.IGNORE : BlobFlag.NONE);
        }
        planner.handleRangeEnd(fileEnd);
        return planner.finish();
    }

    List<VectoredRead> planStreaming(long maxReadSize, int maxCnt) {
        StreamingVectoredReadPlanner planner = new StreamingVectoredReadPlanner(maxReadSize, maxCnt);
        List<VectoredRead> reads = new ArrayList<>();
        for (int i = 0; i < offsets.size(); i++) {
            planner.handle(key(i), Lsn.of(i), offsets.get(i), true, reads::add);
        }
        planner.handleRangeEnd(fileEnd, reads::add);
        return reads;
    }

    DirectFile open() {
        return engine.open(path, OpenMode.READ).block(TIMEOUT);
    }

    /** Checks every blob of {@code blobs} against what was written, then releases it; returns the blob count. */
    int verify(VectoredBlobs blobs, Set<Integer> seen) {
        try {
            DirectBuffer previousView = null;
            for (int j = 0; j < blobs.size(); j++) {
                int i = (int) blobs.meta(j).key().field6();
                assertEquals((long) offsets.get(i), blobs.meta(j).offset());
                assertTrue(seen.add(i), "blob " + i + " read twice");
                byte[] expected = payloads.get(i);
                DirectBuffer view = blobs.blob(j);
                byte[] got = new byte[view.capacity()];
                view.getBytes(0, got);
                assertArrayEquals(expected, got, "blob " + i);
                assertArrayEquals(expected, blobs.blobBytes(j), "blob " + i + " copy");
                if (previousView != null) {
                    assertTrue(previousView == view, "one re-used view object per VectoredBlobs");
                }
                previousView = view;
                assertEquals(i % 4 == 0, blobs.isCompressed(j), "compressible pages are stored with zstd");
            }
            return blobs.size();
        } finally {
            blobs.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"AUTO", "FILECHANNEL"})
    void roundTripWithBothPlanners(IoEngineKind kind) {
        writeBlobs(kind);
        DirectFile file = open();
        try {
            VectoredBlobReader reader = new VectoredBlobReader(pool);
            List<VectoredRead> lookup = planLookup(false);
            assertTrue(lookup.stream().anyMatch(r -> r.size() > pool.bufferSize()), "some reads need allocation");
            Set<Integer> seen = new HashSet<>();
            int n = 0;
            for (VectoredRead r : lookup) {
                n += verify(reader.read(file, r).block(TIMEOUT), seen);
            }
            assertEquals(payloads.size(), n);

            List<VectoredRead> small = planStreaming(32 * 1024, 1000);
            assertTrue(small.stream().allMatch(r -> r.size() + 8192 <= pool.bufferSize()), "these use the pool");
            for (List<VectoredRead> plan : List.of(planLookup(false), small, planStreaming(1 << 20, 5))) {
                Set<Integer> seenAll = new HashSet<>();
                List<Integer> sequences = new ArrayList<>();
                int count = reader.readAll(file, plan)
                        .map(b -> {
                            sequences.add(b.sequence());
                            assertEquals(plan.get(b.sequence()), b.read());
                            return verify(b, seenAll);
                        })
                        .reduce(0, Integer::sum).block(TIMEOUT);
                assertEquals(payloads.size(), count);
                sequences.sort(null);
                assertEquals(plan.size(), sequences.size());
                assertEquals(plan.size() - 1, (int) sequences.get(sequences.size() - 1));
            }
        } finally {
            file.close().block(TIMEOUT);
        }
        pool.assertNoLeaks();
    }

    @Test
    void ignoredBlobsLeaveGapsInsideReads() {
        writeBlobs(IoEngineKind.AUTO);
        DirectFile file = open();
        List<VectoredRead> plan = planLookup(true);
        Set<Integer> seen = new HashSet<>();
        int count = new VectoredBlobReader(pool, 3).readAll(file, plan)
                .map(b -> verify(b, seen)).reduce(0, Integer::sum).block(TIMEOUT);
        assertEquals(200, count);
        for (int i = 0; i < payloads.size(); i++) {
            assertEquals(i % 3 != 1, seen.contains(i));
        }
        file.close().block(TIMEOUT);
        pool.assertNoLeaks();
    }

    @Test
    void rawBlobsIncludeTheirHeader() {
        writeBlobs(IoEngineKind.AUTO);
        DirectFile file = open();
        VectoredRead read = planLookup(false).get(0);
        try (VectoredBlobs blobs = new VectoredBlobReader(pool).read(file, read).block(TIMEOUT)) {
            byte[] whole = readFileBytes();
            for (int j = 0; j < blobs.size(); j++) {
                int i = (int) blobs.meta(j).key().field6();
                long start = offsets.get(i);
                long end = i + 1 < offsets.size() ? offsets.get(i + 1) : fileEnd;
                DirectBuffer raw = blobs.raw(j);
                byte[] got = new byte[raw.capacity()];
                raw.getBytes(0, got);
                assertArrayEquals(java.util.Arrays.copyOfRange(whole, (int) start, (int) end), got);
            }
        }
        file.close().block(TIMEOUT);
        pool.assertNoLeaks();
    }

    byte[] readFileBytes() {
        try {
            return Files.readAllBytes(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void cancellingReadAllMidWayReleasesEveryBuffer() throws Exception {
        writeBlobs(IoEngineKind.AUTO);
        DirectFile file = open();
        List<VectoredRead> plan = planStreaming(4096, 2);
        assertTrue(plan.size() > 100);
        VectoredBlobReader reader = new VectoredBlobReader(pool);
        StepVerifier.create(reader.readAll(file, plan).take(5).doOnNext(VectoredBlobs::release))
                .expectNextCount(5).verifyComplete();
        StepVerifier.create(reader.readAll(file, plan)).thenCancel().verify(TIMEOUT);
        StepVerifier.create(reader.readAll(file, plan).doOnNext(VectoredBlobs::release), 3)
                .expectNextCount(3).thenCancel().verify(TIMEOUT);
        awaitPoolFull();
        pool.assertNoLeaks();
        file.close().block(TIMEOUT);
    }

    void awaitPoolFull() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (pool.available() < pool.capacity() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(pool.capacity(), pool.available(), "every buffer back in the pool");
    }

    @Test
    void truncatedFileFailsNamingFileOffsetAndBlob() throws Exception {
        writeBlobs(IoEngineKind.AUTO);
        long last = offsets.get(offsets.size() - 1);
        long cut = last + 2;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
        DirectFile file = open();
        List<VectoredRead> plan = planLookup(false);
        VectoredBlobReader reader = new VectoredBlobReader(pool);
        Map<String, Throwable> errors = new HashMap<>();
        errors.put("read", assertThrows(VectoredReadException.class,
                () -> reader.read(file, plan.get(plan.size() - 1)).block(TIMEOUT)));
        errors.put("readAll", assertThrows(VectoredReadException.class,
                () -> reader.readAll(file, plan).doOnNext(VectoredBlobs::release).blockLast(TIMEOUT)));
        for (Throwable t : errors.values()) {
            VectoredReadException e = (VectoredReadException) t;
            assertEquals(path, e.path());
            assertEquals(last, e.blobOffset());
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("offset " + last), e.getMessage());
            assertTrue(e.getMessage().contains("blob "), e.getMessage());
            assertTrue(e.getMessage().contains("file ends at " + cut), e.getMessage());
        }
        awaitPoolFull();
        pool.assertNoLeaks();
        file.close().block(TIMEOUT);
    }

    @Test
    void corruptHeaderFailsTheReadAndReleasesItsBuffer() throws Exception {
        writeBlobs(IoEngineKind.AUTO);
        int victim = 3; // a 4-byte header (128+ bytes payload)
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xA0}), offsets.get(victim));
        }
        DirectFile file = open();
        List<VectoredRead> plan = planLookup(false);
        VectoredReadException e = assertThrows(VectoredReadException.class,
                () -> new VectoredBlobReader(pool).read(file, plan.get(0)).block(TIMEOUT));
        assertEquals((long) offsets.get(victim), e.blobOffset());
        assertTrue(e.getMessage().contains("compression code"), e.getMessage());
        pool.assertNoLeaks();
        file.close().block(TIMEOUT);
    }

    @Test
    void releasedBlobsRefuseAccess() {
        writeBlobs(IoEngineKind.AUTO);
        DirectFile file = open();
        VectoredBlobs blobs = new VectoredBlobReader(pool).read(file, planLookup(false).get(0)).block(TIMEOUT);
        blobs.release();
        blobs.close(); // idempotent
        assertTrue(blobs.isReleased());
        assertThrows(IllegalStateException.class, () -> blobs.blob(0));
        assertFalse(pool.available() < pool.capacity());
        pool.assertNoLeaks();
        file.close().block(TIMEOUT);
    }
}
