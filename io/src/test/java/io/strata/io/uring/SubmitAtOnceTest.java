package io.strata.io.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.io.buffer.AlignedBuffer;
import io.strata.io.file.DirectFile;
import io.strata.io.file.IoConfig;
import io.strata.io.file.OpenMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * When the ring hands an entry to the kernel: a transfer of at least {@link TransferOp#SUBMIT_AT_ONCE_BYTES} at once,
 * even from inside a completion callback that goes on working (an L0 compaction's merge and layer writer run in
 * such callbacks); a small one when the callback returns, with whatever else it queued.
 */
class SubmitAtOnceTest {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private UringIoEngine engine;
    private DirectFile file;

    /** A 1 MiB file open for reading on an io_uring engine whose rings submit early. */
    @BeforeEach
    void openFile() throws Exception {
        Assumptions.assumeTrue(UringIoEngine.isAvailable(), () -> "io_uring unavailable: "
                + UringIoEngine.unavailabilityCause());
        Path f = dir.resolve("data");
        Files.write(f, new byte[1 << 20]);
        engine = new UringIoEngine(IoConfig.defaults());
        Assumptions.assumeTrue(engine.earlySubmit(), "Netty does not allow an early submit here");
        file = engine.open(f, OpenMode.READ).block(T);
    }

    @AfterEach
    void close() {
        if (file != null) {
            file.close().block(T);
        }
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void largeTransfersGoToTheKernelAtOnceSmallOnesWhenTheCallbackReturns() throws Exception {
        assertTrue(TransferOp.SUBMIT_AT_ONCE_BYTES > 0 && TransferOp.SUBMIT_AT_ONCE_BYTES <= 256 * 1024,
                "submit at once from " + TransferOp.SUBMIT_AT_ONCE_BYTES + " bytes");
        int align = IoConfig.defaults().alignment();
        AlignedBuffer first = AlignedBuffer.allocate(4096, align);
        AlignedBuffer large = AlignedBuffer.allocate(256 * 1024, align); // an L0 compaction's read or write
        AlignedBuffer small = AlignedBuffer.allocate(4096, align);
        try {
            List<Integer> queued = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> reads = new CompletableFuture<>();
            // inside the first read's completion, on the ring's loop: a large read, then a small one
            file.read(0, first, 4096).subscribe(n -> {
                queued.add(engine.queuedOnThisLoop());
                Mono<Integer> l = file.read(65536, large, large.capacity());
                Mono<Integer> s = file.read(8192, small, 4096);
                Mono.when(l.then(), s.then())
                        .subscribe(null, reads::completeExceptionally, () -> reads.complete(null));
                queued.add(engine.queuedOnThisLoop());
            }, reads::completeExceptionally);
            reads.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            // when the callback ran, nothing was queued; after both reads were issued, the large one had gone to
            // the kernel and the small one was still queued (it goes when the callback returns)
            assertEquals(List.of(0, 1), queued, "entries queued before and after the reads were issued");
            assertTrue(engine.queuedOnThisLoop() < 0, "off the loop there is no ring to ask");
        } finally {
            first.release();
            large.release();
            small.release();
        }
    }

    /**
     * A batch of large reads goes to the kernel from inside the callback (together, once all are queued); a batch of
     * small ones waits for the callback's end.
     */
    @Test
    void aBatchOfLargeReadsGoesToTheKernelBeforeTheCallbackReturns() throws Exception {
        int align = IoConfig.defaults().alignment();
        List<AlignedBuffer> buffers = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            buffers.add(AlignedBuffer.allocate(i < 4 ? 256 * 1024 : 4096, align));
        }
        try {
            List<Integer> queued = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> reads = new CompletableFuture<>();
            file.read(0, buffers.get(0), 4096).subscribe(n -> {
                List<io.strata.io.file.ReadOp> large = List.of(
                        io.strata.io.file.ReadOp.of(0, buffers.get(1), 256 * 1024),
                        io.strata.io.file.ReadOp.of(256 * 1024, buffers.get(2), 256 * 1024),
                        io.strata.io.file.ReadOp.of(512 * 1024, buffers.get(3), 256 * 1024));
                List<io.strata.io.file.ReadOp> small = List.of(
                        io.strata.io.file.ReadOp.of(0, buffers.get(4), 4096),
                        io.strata.io.file.ReadOp.of(4096, buffers.get(5), 4096));
                reactor.core.publisher.Flux<io.strata.io.file.ReadCompletion> l = file.readBatch(large);
                reactor.core.publisher.Flux<io.strata.io.file.ReadCompletion> s = file.readBatch(small);
                CompletableFuture<Void> lDone = l.then().toFuture();
                queued.add(engine.queuedOnThisLoop());
                CompletableFuture<Void> sDone = s.then().toFuture();
                queued.add(engine.queuedOnThisLoop());
                CompletableFuture.allOf(lDone, sDone).whenComplete((v, e) -> {
                    if (e != null) {
                        reads.completeExceptionally(e);
                    } else {
                        reads.complete(null);
                    }
                });
            }, reads::completeExceptionally);
            reads.get(T.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of(0, 2), queued, "entries queued after the large batch, then after the small one");
        } finally {
            buffers.forEach(AlignedBuffer::release);
        }
    }
}
