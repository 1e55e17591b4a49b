package io.strata.io.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.channel.FileChannelIoEngine;
import io.strata.io.file.FaultInjectingIoEngine.Fault;
import io.strata.io.file.FaultInjectingIoEngine.Op;
import io.strata.io.file.FaultInjectingIoEngine.Rule;
import io.strata.io.write.DirectFileWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

class FaultInjectingIoEngineTest {
    static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    FaultInjectingIoEngine engine;
    AlignedBufferPool pool;

    @BeforeEach
    void start() {
        engine = new FaultInjectingIoEngine(new FileChannelIoEngine(IoConfig.defaults()));
        pool = new AlignedBufferPool(64 * 1024, 8, 4096).trackLeaks(true);
    }

    @AfterEach
    void stop() throws InterruptedException {
        try {
            TestFiles.awaitAllReturned(pool, T);
        } finally {
            engine.close();
        }
    }

    private static IoOperationException ioError(Throwable t) {
        Throwable e = t;
        while (e != null && !(e instanceof IoOperationException)) {
            e = e.getCause();
        }
        assertInstanceOf(IoOperationException.class, e, () -> "no IoOperationException in " + t);
        return (IoOperationException) e;
    }

    @Test
    void theNthMatchingWriteFailsWithTheErrnoAndNothingElse() throws Exception {
        Rule r = engine.inject(Rule.on(Fault.ENOSPC, Op.WRITE).glob("**/victim*").nth(2));
        Path victim = dir.resolve("victim");
        Path other = dir.resolve("other");
        AlignedBuffer b = AlignedBuffer.allocate(4096, 4096);
        DirectFile v = engine.open(victim, OpenMode.CREATE_NEW_WRITE).block(T);
        DirectFile o = engine.open(other, OpenMode.CREATE_NEW_WRITE).block(T);
        try {
            TestFiles.fill(b, 0, 4096);
            o.writeAll(0, b, 4096).block(T);
            v.writeAll(0, b, 4096).block(T);
            o.writeAll(4096, b, 4096).block(T);
            IoOperationException e = ioError(assertThrows(Exception.class, () -> v.writeAll(4096, b, 4096).block(T)));
            assertEquals(Errno.ENOSPC, e.errno());
            assertEquals(victim, e.path());
            assertEquals(4096, e.offset());
            assertTrue(e.getMessage().contains("ENOSPC") && e.getMessage().contains(victim.toString()),
                    e.getMessage());
            v.writeAll(4096, b, 4096).block(T); // only the second one
            assertEquals(1, r.fired());
            assertEquals(3, r.seen());
            assertEquals(1, engine.injected());
        } finally {
            v.close().block(T);
            o.close().block(T);
            b.release();
        }
        assertEquals(8192, Files.size(victim));
    }

    @Test
    void eachKindOfOperationCanFail() throws Exception {
        Path p = dir.resolve("f");
        TestFiles.create(engine, p, 8192);
        for (Op op : Op.values()) {
            Rule r = engine.inject(Rule.on(Fault.EIO, op));
            AlignedBuffer b = AlignedBuffer.allocate(4096, 4096);
            try {
                Throwable t = assertThrows(Exception.class, () -> {
                    switch (op) {
                        case OPEN -> engine.open(p, OpenMode.READ).block(T);
                        case RENAME -> engine.rename(p, dir.resolve("g")).block(T);
                        case UNLINK -> engine.deleteIfExists(p).block(T);
                        default -> {
                            engine.remove(r); // open it unfaulted, then fault the operation
                            DirectFile f = engine.open(p, OpenMode.READ_WRITE).block(T);
                            engine.inject(r);
                            try {
                                switch (op) {
                                    case READ -> f.read(0, b, 4096).block(T);
                                    case WRITE -> f.writeAll(0, b, 4096).block(T);
                                    case FSYNC -> f.fsync().block(T);
                                    case FALLOCATE -> f.fallocate(0, 16384).block(T);
                                    case TRUNCATE -> f.truncate(4096).block(T);
                                    default -> throw new AssertionError(op);
                                }
                            } finally {
                                f.close().block(T);
                            }
                        }
                    }
                }, op.name());
                IoOperationException e = ioError(t);
                assertEquals(Errno.EIO, e.errno(), op.name());
                assertEquals(p, e.path(), op.name());
                assertEquals(1, r.fired(), op.name());
            } finally {
                engine.remove(r);
                b.release();
            }
        }
        assertTrue(Files.exists(p), "the unlink and rename did not happen");
        assertEquals(8192, Files.size(p), "the truncate did not happen");
    }

    @Test
    void aFailedBatchReleasesItsBuffers() throws Exception {
        Path p = dir.resolve("f");
        TestFiles.create(engine, p, 16384);
        engine.inject(Rule.on(Fault.EIO, Op.READ).nth(1));
        DirectFile f = engine.open(p, OpenMode.READ).block(T);
        try {
            List<ReadOp> ops = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ops.add(ReadOp.of(i * 4096L, pool.tryLease(), 4096));
            }
            assertEquals(Errno.EIO, ioError(assertThrows(Exception.class,
                    () -> f.readBatch(ops).collectList().block(T))).errno());
            assertEquals(pool.capacity(), pool.available(), "the batch's buffers are back");
        } finally {
            f.close().block(T);
        }
    }

    @Test
    void probabilityIsReproducibleFromTheSeed() throws Exception {
        Path p = dir.resolve("f");
        TestFiles.create(engine, p, 4096);
        List<List<Integer>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            Rule r = engine.inject(Rule.on(Fault.EIO, Op.FSYNC).probability(0.3, 42));
            DirectFile f = engine.open(p, OpenMode.READ_WRITE).block(T);
            List<Integer> failed = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    try {
                        f.fsync().block(T);
                    } catch (RuntimeException e) {
                        failed.add(i);
                    }
                }
            } finally {
                f.close().block(T);
                engine.remove(r);
            }
            assertEquals(failed.size(), r.fired());
            runs.add(failed);
        }
        assertEquals(runs.get(0), runs.get(1));
        assertTrue(runs.get(0).size() > 10 && runs.get(0).size() < 60, "about 30 of 100: " + runs.get(0).size());
    }

    @Test
    void aShortWriteIsReportedByTheWriterAndLeavesNoFile() throws Exception {
        Path target = dir.resolve("layer");
        engine.inject(Rule.on(Fault.SHORT_WRITE, Op.WRITE).nth(3));
        byte[] bytes = new byte[1 << 20];
        Throwable t = assertThrows(Exception.class, () -> DirectFileWriter.write(engine, pool, target,
                DirectFileWriter.Options.defaults(), Flux.just(ByteBuffer.wrap(bytes)), w -> null).block(T));
        IoOperationException e = ioError(t);
        assertTrue(e.getMessage().contains("short write: 32768 of 65536 bytes"), e.getMessage());
        assertTrue(e.path().getFileName().toString().startsWith("layer.")
                && e.path().getFileName().toString().endsWith(DirectFileWriter.TEMP_SUFFIX), e.getMessage());
        assertFalse(Files.exists(target));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), "no temporary file left");
        }
        // the rule fired once: the same write now succeeds
        assertEquals(target, DirectFileWriter.write(engine, pool, target, DirectFileWriter.Options.defaults(),
                Flux.just(ByteBuffer.wrap(bytes)), w -> null).block(T));
        assertEquals(bytes.length, Files.size(target));
    }

    @Test
    void aShortWriteAppliesToWritesOnly() {
        assertThrows(IllegalArgumentException.class, () -> Rule.on(Fault.SHORT_WRITE, Op.READ));
    }
}
