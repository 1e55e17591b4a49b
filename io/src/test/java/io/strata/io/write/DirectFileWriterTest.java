package io.strata.io.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.IoConfig;
import io.strata.io.file.IoEngine;
import io.strata.io.file.IoEngineKind;
import io.strata.io.file.IoOperationException;
import io.strata.io.channel.FileChannelIoEngine;
import io.strata.io.file.TestFiles;
import io.strata.io.uring.UringIoEngine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class DirectFileWriterTest {
    static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    IoEngine engine;
    AlignedBufferPool pool;

    static byte byteAt(long pos) {
        return TestFiles.byteAt(pos);
    }

    void start(IoEngineKind kind) {
        if (kind == IoEngineKind.URING) {
            Assumptions.assumeTrue(UringIoEngine.isAvailable(), "io_uring unavailable");
            engine = new UringIoEngine(IoConfig.defaults());
        } else {
            engine = new FileChannelIoEngine(IoConfig.defaults());
        }
        pool = new AlignedBufferPool(64 * 1024, 16, 4096).trackLeaks(true);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (engine != null) {
            try {
                TestFiles.awaitAllReturned(pool, T);
            } finally {
                engine.close();
            }
        }
    }

    private List<Path> tempFiles() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(DirectFileWriter.TEMP_SUFFIX)).toList();
        }
    }

    /** Chunks of random sizes whose bytes follow {@link #byteAt}, totalling {@code total}. */
    private static List<ByteBuffer> chunks(long total, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<ByteBuffer> out = new ArrayList<>();
        long pos = 0;
        while (pos < total) {
            int n = (int) Math.min(total - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 200_000));
            ByteBuffer b = ByteBuffer.allocate(n);
            for (int i = 0; i < n; i++) {
                b.put(i, byteAt(pos + i));
            }
            out.add(b);
            pos += n;
        }
        return out;
    }

    private static void assertContents(Path p, long from, long length, long patternStart) throws Exception {
        byte[] all = Files.readAllBytes(p);
        for (long i = 0; i < length; i++) {
            if (all[(int) (from + i)] != byteAt(patternStart + i)) {
                throw new AssertionError("byte " + (from + i) + " of " + p + " differs");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void streamsChunksIntoADurableFileWithTheExactLength(IoEngineKind kind) throws Exception {
        start(kind);
        Path target = dir.resolve("layer");
        long total = 3_000_017; // not a multiple of anything: the tail is padded, then truncated
        Path written = DirectFileWriter.write(engine, pool, target,
                DirectFileWriter.Options.defaults().withMaxInFlight(3).withPreallocateStep(1 << 20),
                Flux.fromIterable(chunks(total, 1)), w -> null).block(T);
        assertEquals(target, written);
        assertEquals(total, Files.size(target));
        assertContents(target, 0, total, 0);
        assertTrue(tempFiles().isEmpty(), "temporary files left: " + tempFiles());
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void reservedPrefixIsWrittenAtOffsetZeroOnFinish(IoEngineKind kind) throws Exception {
        start(kind);
        Path target = dir.resolve("with-summary");
        byte[] summary = "summary-block".getBytes(StandardCharsets.UTF_8);
        long body = 100_000;
        DirectFileWriter w = DirectFileWriter.create(engine, pool, target,
                DirectFileWriter.Options.defaults().withReservedPrefix(8192)).block(T);
        assertEquals(8192, w.position());
        Flux.fromIterable(chunks(body, 2)).concatMap(w::append).then().block(T);
        assertEquals(8192 + body, w.position());
        StepVerifier.create(w.finish(ByteBuffer.wrap(summary))).expectNext(target).verifyComplete();
        byte[] all = Files.readAllBytes(target);
        assertEquals(8192 + body, all.length);
        byte[] head = new byte[summary.length];
        System.arraycopy(all, 0, head, 0, head.length);
        assertArrayEquals(summary, head);
        for (int i = summary.length; i < 8192; i++) {
            assertEquals(0, all[i], "padding at " + i);
        }
        assertContents(target, 8192, body, 0);
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void finishCanRenameToANameKnownOnlyAtTheEnd(IoEngineKind kind) throws Exception {
        start(kind);
        Path planned = dir.resolve("start-XXX");
        Path actual = dir.resolve("start-end");
        DirectFileWriter w = DirectFileWriter.create(engine, pool, planned, DirectFileWriter.Options.defaults())
                .block(T);
        Flux.fromIterable(chunks(10_000, 5)).concatMap(w::append).then().block(T);
        StepVerifier.create(w.finish(null, actual)).expectNext(actual).verifyComplete();
        assertFalse(Files.exists(planned));
        assertTrue(tempFiles().isEmpty());
        assertContents(actual, 0, 10_000, 0);

        DirectFileWriter other = DirectFileWriter.create(engine, pool, planned, DirectFileWriter.Options.defaults())
                .block(T);
        StepVerifier.create(other.finish(null, dir.resolve("sub").resolve("x")))
                .expectErrorMatches(e -> e instanceof IllegalArgumentException
                        && e.getMessage().contains("not in the same directory"))
                .verify(T);
        other.abort().block(T);
        assertTrue(tempFiles().isEmpty());
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void abortRemovesTheTemporaryFile(IoEngineKind kind) throws Exception {
        start(kind);
        Path target = dir.resolve("aborted");
        DirectFileWriter w = DirectFileWriter.create(engine, pool, target, DirectFileWriter.Options.defaults())
                .block(T);
        Flux.fromIterable(chunks(500_000, 3)).concatMap(w::append).then().block(T);
        assertEquals(1, tempFiles().size());
        w.abort().block(T);
        assertTrue(tempFiles().isEmpty());
        assertFalse(Files.exists(target));
        StepVerifier.create(w.append(ByteBuffer.allocate(1))).expectErrorMessage(
                "append on finished or aborted writer for " + target).verify(T);
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aFailedFinishRemovesTheTemporaryFileAndNamesThePath(IoEngineKind kind) throws Exception {
        start(kind);
        // The final name is a non-empty directory: rename(2) fails after everything was written and fsynced.
        Path target = dir.resolve("occupied");
        Files.createDirectories(target.resolve("inside"));
        Mono<Path> write = DirectFileWriter.write(engine, pool, target, DirectFileWriter.Options.defaults(),
                Flux.fromIterable(chunks(200_000, 4)), w -> null);
        StepVerifier.create(write).expectErrorSatisfies(e -> {
            assertTrue(e instanceof IoOperationException, e.toString());
            assertTrue(e.getMessage().contains("rename"), e.getMessage());
            assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        }).verify(T);
        assertTrue(tempFiles().isEmpty(), "temporary files left: " + tempFiles());
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void cancellingAWriteRemovesTheTemporaryFile(IoEngineKind kind) throws Exception {
        start(kind);
        Path target = dir.resolve("cancelled");
        // An endless source: the write is still running when it is cancelled.
        Flux<ByteBuffer> endless = Flux.generate(s -> s.next(ByteBuffer.allocate(50_000)));
        Disposable d = DirectFileWriter.write(engine, pool, target, DirectFileWriter.Options.defaults(), endless,
                w -> null).subscribe();
        long deadline = System.nanoTime() + T.toNanos();
        while (tempFiles().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        Thread.sleep(50);
        d.dispose();
        while (!tempFiles().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(tempFiles().isEmpty(), "temporary files left: " + tempFiles());
        assertFalse(Files.exists(target));
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aFinishCancelledAfterTheRenameRemovesTheFinalFile(IoEngineKind kind) throws Exception {
        start(kind);
        // The directory fsync never completes: the finish is cancelled with the rename already done.
        IoEngine real = engine;
        Path target = dir.resolve("renamed-then-cancelled");
        DirectFileWriter w = DirectFileWriter.create(new StuckAfterRename(real), pool, target,
                DirectFileWriter.Options.defaults()).block(T);
        Flux.fromIterable(chunks(300_000, 6)).concatMap(w::append).then().block(T);
        Disposable d = w.finish(null).subscribe(null, e -> { });
        long deadline = System.nanoTime() + T.toNanos();
        while (!Files.exists(target) && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertTrue(Files.exists(target), "the rename happened");
        d.dispose();
        while (Files.exists(target) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertFalse(Files.exists(target), "a cancelled finish leaves no final file");
        assertTrue(tempFiles().isEmpty());
    }

    /**
     * A finish cancelled while its prefix write is held before the engine: once let go, the write still runs to its
     * end and releases its buffer (the resource check after each test of this module fails on a buffer left
     * leased), and the abort leaves no file.
     */
    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aFinishCancelledDuringItsPrefixWriteLeavesNoBufferLeased(IoEngineKind kind) throws Exception {
        start(kind);
        InterposedIoEngine interposed = new InterposedIoEngine(engine);
        Path target = dir.resolve("cancelled-in-prefix-write");
        DirectFileWriter w = DirectFileWriter.create(interposed, pool, target,
                DirectFileWriter.Options.defaults().withReservedPrefix(4096)).block(T);
        // whole buffers only: the finish has no padded tail to write, so the first write it makes is the prefix's
        w.append(ByteBuffer.allocate(4 * pool.bufferSize())).block(T);
        interposed.holdWrites();
        Disposable d = w.finish(ByteBuffer.wrap(new byte[] {1, 2, 3})).subscribe(null, e -> { });
        long deadline = System.nanoTime() + T.toNanos();
        while (interposed.writesWaiting.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertEquals(1, interposed.writesWaiting.get(), "the prefix write is held");
        d.dispose(); // before the engine has the prefix's buffer
        interposed.releaseWrites();
        w.abort().block(T);
        assertFalse(Files.exists(target), "a cancelled finish leaves no final file");
        assertTrue(tempFiles().isEmpty(), "temporary files left: " + tempFiles());
    }

    /** Delegates to a real engine, but its directory fsync after a rename never completes. */
    private static final class StuckAfterRename implements IoEngine {
        private final IoEngine real;
        private volatile boolean renamed;

        StuckAfterRename(IoEngine real) {
            this.real = real;
        }

        @Override
        public IoEngineKind kind() {
            return real.kind();
        }

        @Override
        public String describe() {
            return "stuck after rename: " + real.describe();
        }

        @Override
        public Mono<io.strata.io.file.DirectFile> open(Path p, io.strata.io.file.OpenMode m) {
            return real.open(p, m);
        }

        @Override
        public Mono<Void> rename(Path from, Path to) {
            return real.rename(from, to).doOnSuccess(v -> renamed = true);
        }

        @Override
        public Mono<Void> deleteIfExists(Path p) {
            return real.deleteIfExists(p);
        }

        @Override
        public Mono<Void> fsyncDirectory(Path d) {
            return Mono.defer(() -> renamed ? Mono.never() : real.fsyncDirectory(d));
        }

        @Override
        public void close() {
            // the real engine is closed by the test
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void backpressureWithOneWriteInFlightAndTwoBuffers(IoEngineKind kind) throws Exception {
        start(kind);
        AlignedBufferPool tiny = new AlignedBufferPool(8192, 2, 4096).trackLeaks(true);
        Path target = dir.resolve("tiny");
        long total = 4_000_000;
        DirectFileWriter.write(engine, tiny, target, DirectFileWriter.Options.defaults().withMaxInFlight(1),
                Flux.fromIterable(chunks(total, 5)), w -> null).block(T);
        assertContents(target, 0, total, 0);
        TestFiles.awaitAllReturned(tiny, T);
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void overlappingCallsAreRefused(IoEngineKind kind) {
        start(kind);
        Path target = dir.resolve("overlap");
        DirectFileWriter w = DirectFileWriter.create(engine, pool, target,
                DirectFileWriter.Options.defaults().withMaxInFlight(1)).block(T);
        AlignedBufferPool none = pool; // all 16 buffers of 64 KiB: a 4 MiB append must wait for writes
        assertEquals(16, none.capacity());
        Mono<Void> first = w.append(ByteBuffer.allocate(4 << 20)).cache();
        first.subscribe(null, e -> { });
        StepVerifier.create(w.append(ByteBuffer.allocate(10))).expectErrorSatisfies(e ->
                assertTrue(e.getMessage().contains("must be sequential"), e.getMessage())).verify(T);
        first.block(T);
        w.abort().block(T);
    }

    @ParameterizedTest
    @EnumSource(value = IoEngineKind.class, names = {"URING", "FILECHANNEL"})
    void aKilledWriterLeavesNoFinalFileAndAFinishedOneSurvivesTheKill(IoEngineKind kind) throws Exception {
        start(kind);
        Path unfinished = dir.resolve("killed-while-writing");
        Process p1 = child(kind, unfinished, "unfinished");
        String line1 = firstLine(p1);
        assertTrue(line1.startsWith("writing "), line1);
        p1.destroyForcibly(); // SIGKILL
        assertTrue(p1.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(unfinished), "a killed writer must not leave the final name");
        assertEquals(1, tempFiles().size(), "the unfinished file stays under its temporary name");

        Path finished = dir.resolve("killed-after-finish");
        Process p2 = child(kind, finished, "finished");
        String line2 = firstLine(p2);
        assertEquals("finished 2000000", line2);
        p2.destroyForcibly();
        assertTrue(p2.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2_000_000, Files.size(finished));
        assertContents(finished, 0, 2_000_000, 0);
    }

    private static Process child(IoEngineKind kind, Path target, String mode) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), WriterCrashChild.class.getName(),
                kind.configName(), target.toString(), mode));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String firstLine(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null) {
            throw new AssertionError("child exited without output, exit code " + p.waitFor());
        }
        return line;
    }
}
