package io.strata.engine.layer.image;

import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.BlobCorruptionException;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.Generation;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Rejected keys, failed and cancelled finishes, and the temporary file's name and removal. */
class ImageLayerWriterErrorsTest {
    static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");
    static final KeyRange RANGE = new KeyRange(START, START.add(100));
    static final Lsn LSN = new Lsn(0x10);

    @TempDir
    Path dir;
    LayerTestSupport io;
    ImageLayerWriter writer;

    @BeforeEach
    void setUp() {
        io = new LayerTestSupport(dir);
        writer = ImageLayerWriter.create(io.ctx(), RANGE, LSN, ImageCompressionAlgorithm.DEFAULT).block(T);
    }

    @AfterEach
    void tearDown() {
        writer.abort().block(T);
        io.close();
    }

    @Test
    void writesUnderNeonsTemporaryName() throws Exception {
        String name = writer.tempPath().getFileName().toString();
        assertTrue(name.matches("000000067F00000001000000AE0000000000-000000067F00000001000000AE0000000064"
                + "__0000000000000010\\.[0-9a-f]+\\.___temp"), name);
        assertEquals(List.of(writer.tempPath()), io.files());
    }

    @Test
    void keyOutsideTheRangeIsRejectedNamingKeyAndRange() {
        StepVerifier.create(writer.putImage(START.add(100), new byte[8]))
                .expectErrorMessage("key 000000067F00000001000000AE0000000064 is outside the image layer's key range"
                        + " [000000067F00000001000000AE0000000000, 000000067F00000001000000AE0000000064)")
                .verify(T);
        StepVerifier.create(writer.putImage(Key.MIN, new byte[8])).expectError(IllegalArgumentException.class)
                .verify(T);
        assertEquals(0, writer.numKeys(), "a rejected key leaves the writer unchanged");
    }

    @Test
    void keysMustBeStrictlyIncreasing() {
        writer.putImage(START.add(5), new byte[] {1}).block(T);
        StepVerifier.create(writer.putImage(START.add(5), new byte[] {2}))
                .expectErrorMessage("image layer keys must be strictly increasing: key "
                        + START.add(5) + " was already written")
                .verify(T);
        StepVerifier.create(writer.putImageRaw(START.add(4), new byte[] {1, 7}))
                .expectErrorMessage("image layer keys must be strictly increasing: key " + START.add(4)
                        + " is below the previous key " + START.add(5))
                .verify(T);
        writer.putImage(START.add(6), new byte[] {3}).block(T);
        assertEquals(2, writer.numKeys());
    }

    @Test
    void malformedRawBlobIsRejected() {
        StepVerifier.create(writer.putImageRaw(START, new byte[] {5, 1, 2})) // header says 5 bytes, 2 given
                .expectError(BlobCorruptionException.class).verify(T);
        assertEquals(0, writer.numKeys());
    }

    @Test
    void finishWithEndKeyNamesTheShorterRange() throws Exception {
        writer.putImage(START.add(1), new byte[] {1}).block(T);
        WrittenLayer<ImageLayerSummary> layer = writer.finishWithEndKey(START.add(2)).block(T);
        assertEquals(new KeyRange(START, START.add(2)), layer.summary().keyRange());
        assertEquals(dir.resolve(new ImageLayerName(new KeyRange(START, START.add(2)), LSN)
                .localFileName(Generation.of(0xdead0001))), layer.path());
        assertTrue(Files.exists(layer.path()));
        assertEquals(List.of(), io.tempFiles());
    }

    @Test
    void finishWithEndKeyBelowAWrittenKeyFailsAndRemovesTheFile() throws Exception {
        writer.putImage(START.add(10), new byte[] {1}).block(T);
        StepVerifier.create(writer.finishWithEndKey(START.add(10)))
                .expectErrorMessage("written key " + START.add(10) + " is not below the end key " + START.add(10))
                .verify(T);
        io.awaitNoTempFiles();
        assertEquals(List.of(), io.files());
    }

    @Test
    void finishingAnEmptyLayerFailsAndRemovesTheFile() throws Exception {
        StepVerifier.create(writer.finish()).expectError(IllegalStateException.class).verify(T);
        io.awaitNoTempFiles();
        assertEquals(List.of(), io.files());
    }

    @Test
    void abortRemovesTheFileAndRefusesFurtherPuts() throws Exception {
        writer.putImage(START, new byte[100_000]).block(T);
        writer.abort().block(T);
        assertEquals(List.of(), io.files());
        StepVerifier.create(writer.putImage(START.add(1), new byte[1])).expectError(IllegalStateException.class)
                .verify(T);
    }

    @Test
    void cancelledFinishLeavesNoFile() throws Exception {
        writeManyKeys(writer, 60);
        AtomicReference<WrittenLayer<ImageLayerSummary>> finished = new AtomicReference<>();
        Disposable d = writer.finish().subscribe(finished::set, e -> { });
        d.dispose();
        // abort() completes when the cleanup the cancel started is done (a no-op after a completed finish)
        writer.abort().block(T);
        io.awaitNoTempFiles();
        if (finished.get() == null) {
            assertEquals(List.of(), io.files(), "a cancelled finish leaves neither a temporary nor a final file");
        } else {
            // On a busy machine the whole finish can complete before dispose() runs: then its layer is whole.
            WrittenLayer<ImageLayerSummary> layer = finished.get();
            assertEquals(List.of(layer.path()), io.files());
            assertEquals(layer.fileSize(), Files.size(layer.path()));
        }
    }

    @Test
    void cancellingAWriteMidwayLeavesNoFile() throws Exception {
        writer.abort().block(T);
        byte[] page = new byte[8192];
        new SplittableRandom(3).nextBytes(page);
        AtomicInteger written = new AtomicInteger();
        Disposable d = ImageLayerWriter.write(io.ctx(), RANGE, LSN, ImageCompressionAlgorithm.DEFAULT,
                        w -> Flux.range(0, 50).concatMap(i -> w.putImage(START.add(i), page))
                                .doOnNext(v -> written.incrementAndGet())
                                .doOnComplete(written::incrementAndGet)
                                .concatWith(Mono.never()) // the source of pages stalls
                                .then(w.finish()))
                .subscribe(null, e -> { });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (written.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, io.tempFiles().size(), "50 pages are in the temporary file");
        d.dispose();
        io.awaitNoTempFiles();
        assertEquals(List.of(), io.files());
    }

    @Test
    void aFailingWriteLeavesNoFile() throws Exception {
        writer.abort().block(T);
        StepVerifier.create(ImageLayerWriter.write(io.ctx(), RANGE, LSN, ImageCompressionAlgorithm.DEFAULT,
                        w -> w.putImage(START, new byte[100_000]).then(w.putImage(START, new byte[1]))
                                .then(w.finish())))
                .expectError(IllegalArgumentException.class).verify(T);
        io.awaitNoTempFiles();
        assertEquals(List.of(), io.files());
    }

    static void writeManyKeys(ImageLayerWriter w, int n) {
        byte[] page = new byte[8192];
        new SplittableRandom(n).nextBytes(page);
        Flux.range(0, n).concatMap(i -> w.putImage(START.add(i), page)).blockLast(T);
    }
}
