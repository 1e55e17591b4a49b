package io.strata.engine.compaction;

import static io.strata.engine.compaction.CompactionTestKit.entries;
import static io.strata.engine.compaction.CompactionTestKit.getKey;
import static io.strata.engine.layer.LayerTestSupport.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.DeltaLayerName;
import io.strata.engine.layer.ImageLayerName;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerName;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Neon's {@code batch_split_writer} tests, the layers read back, and cleanup on failure and cancellation. */
class SplitWriterTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;
    CompactionTestKit kit;

    @BeforeEach
    void setUp() {
        kit = new CompactionTestKit(dir);
    }

    @AfterEach
    void tearDown() {
        kit.close();
    }

    /** Neon's {@code get_img}: the id as 64 decimal digits. */
    static byte[] getImg(int id) {
        return String.format("%064d", id).getBytes(StandardCharsets.UTF_8);
    }

    /** Neon's {@code get_large_img}: 8192 seeded random bytes (incompressible). */
    static byte[] getLargeImg() {
        byte[] data = new byte[8192];
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) rnd.nextInt(256);
        }
        return data;
    }

    private SplitImageLayerWriter imageWriter(Key start, long lsn, long target) {
        return new SplitImageLayerWriter(kit.io.ctx(), start, Lsn.of(lsn), target, ImageCompressionAlgorithm.DISABLED);
    }

    private SplitDeltaLayerWriter deltaWriter(long lsnStart, long lsnEnd, long target) {
        return new SplitDeltaLayerWriter(kit.io.ctx(), Lsn.of(lsnStart), Lsn.of(lsnEnd), target);
    }

    private static WrittenLayer<?> produced(BatchWriterResult r) {
        return assertInstanceOf(BatchWriterResult.Produced.class, r).layer();
    }

    private static List<LayerName> names(List<BatchWriterResult> results) {
        return results.stream().map(BatchWriterResult::name).toList();
    }

    /** Every value of the produced layers, through the merge: what the writers were given, in order. */
    private List<LayerEntry> readBack(List<BatchWriterResult> results) {
        List<LayerSource> sources = new ArrayList<>();
        for (BatchWriterResult r : results) {
            WrittenLayer<?> w = produced(r);
            sources.add(LayerSource.open(kit.io.engine, kit.io.cache, w.path(), w.name()));
        }
        return entries(MergeIterator.create(sources, kit.mergePool).items().collectList().block(T));
    }

    private List<Path> filesIn() throws Exception {
        return kit.io.files();
    }

    /** Neon's {@code write_one_image}. */
    @Test
    void writeOneImage() throws Exception {
        SplitImageLayerWriter imageWriter = imageWriter(getKey(0), 0x18, 4 * MIB);
        SplitDeltaLayerWriter deltaWriter = deltaWriter(0x18, 0x20, 4 * MIB);

        imageWriter.putImage(getKey(0), getImg(0)).block(T);
        List<BatchWriterResult> layers = imageWriter.finish(getKey(10)).block(T);
        assertEquals(1, layers.size());
        assertEquals(new ImageLayerName(new KeyRange(getKey(0), getKey(10)), Lsn.of(0x18)), layers.get(0).name());

        deltaWriter.putValue(getKey(0), Lsn.of(0x18), new Value.Image(getImg(0))).block(T);
        List<BatchWriterResult> deltas = deltaWriter.finish().block(T);
        assertEquals(1, deltas.size());
        assertEquals(new DeltaLayerName(new KeyRange(getKey(0), getKey(1)), Lsn.of(0x18), Lsn.of(0x20)),
                produced(deltas.get(0)).name());

        List<LayerEntry> both = readBack(List.of(layers.get(0), deltas.get(0)));
        LayerEntry expected = new LayerEntry(getKey(0), Lsn.of(0x18), new Value.Image(getImg(0)));
        assertEquals(List.of(expected, expected), both);
        assertEquals(List.of(), kit.io.tempFiles());
    }

    /** Neon's {@code write_split}: all layers kept. */
    @Test
    void writeSplit() throws Exception {
        writeSplitHelper(false);
    }

    /** Neon's {@code write_split_discard}: all layers discarded, nothing left on disk. */
    @Test
    void writeSplitDiscard() throws Exception {
        writeSplitHelper(true);
    }

    private void writeSplitHelper(boolean discard) throws Exception {
        SplitImageLayerWriter imageWriter = imageWriter(getKey(0), 0x18, 4 * MIB);
        SplitDeltaLayerWriter deltaWriter = deltaWriter(0x18, 0x21, 4 * MIB);
        int n = 2000;
        byte[] img = getLargeImg();
        Flux.range(0, n)
                .concatMap(i -> imageWriter.putImage(getKey(i), img)
                        .then(deltaWriter.putValue(getKey(i), Lsn.of(0x20), new Value.Image(img))), 1)
                .then().block(T);
        List<BatchWriterResult> imageLayers = imageWriter.finishWithDiscardFn(getKey(n), name -> discard)
                .block(T);
        List<BatchWriterResult> deltaLayers = deltaWriter.finishWithDiscardFn(name -> discard).block(T);
        Class<? extends BatchWriterResult> kind = discard ? BatchWriterResult.Discarded.class
                : BatchWriterResult.Produced.class;
        for (BatchWriterResult r : imageLayers) {
            assertEquals(kind, r.getClass());
        }
        for (BatchWriterResult r : deltaLayers) {
            assertEquals(kind, r.getClass());
        }
        List<LayerName> images = names(imageLayers);
        List<LayerName> deltas = names(deltaLayers);
        assertEquals(n / 512 + 1, images.size());
        assertEquals(n / 512 + 1, deltas.size());
        assertEquals(getKey(0), deltas.get(0).keyRange().start());
        assertEquals(getKey(n), deltas.get(deltas.size() - 1).keyRange().end());
        assertEquals(getKey(n), images.get(images.size() - 1).keyRange().end());
        for (int idx = 0; idx < images.size(); idx++) {
            assertNotEquals(Key.MIN, images.get(idx).keyRange().start());
            assertNotEquals(Key.MAX, images.get(idx).keyRange().end());
            assertNotEquals(Key.MIN, deltas.get(idx).keyRange().start());
            assertNotEquals(Key.MAX, deltas.get(idx).keyRange().end());
            if (idx > 0) {
                assertEquals(images.get(idx - 1).keyRange().end(), images.get(idx).keyRange().start());
                assertEquals(deltas.get(idx - 1).keyRange().end(), deltas.get(idx).keyRange().start());
            }
        }
        if (discard) {
            assertEquals(List.of(), filesIn(), "discarded layers leave nothing behind");
            return;
        }
        List<LayerEntry> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(new LayerEntry(getKey(i), Lsn.of(0x18), new Value.Image(img)));
        }
        assertEquals(expected, readBack(imageLayers));
        expected.replaceAll(e -> new LayerEntry(e.key(), Lsn.of(0x20), e.value()));
        assertEquals(expected, readBack(deltaLayers));
        assertEquals(images.size() + deltas.size(), filesIn().size());
    }

    /** Neon's {@code write_large_img}: an image beyond the target gets a layer of its own. */
    @Test
    void writeLargeImg() {
        SplitImageLayerWriter imageWriter = imageWriter(getKey(0), 0x18, 4 * 1024);
        SplitDeltaLayerWriter deltaWriter = deltaWriter(0x18, 0x20, 4 * 1024);

        imageWriter.putImage(getKey(0), getImg(0)).block(T);
        imageWriter.putImage(getKey(1), getLargeImg()).block(T);
        List<BatchWriterResult> layers = imageWriter.finish(getKey(10)).block(T);
        assertEquals(2, layers.size());
        assertEquals(List.of(new ImageLayerName(new KeyRange(getKey(0), getKey(1)), Lsn.of(0x18)),
                new ImageLayerName(new KeyRange(getKey(1), getKey(10)), Lsn.of(0x18))), names(layers));

        deltaWriter.putValue(getKey(0), Lsn.of(0x18), new Value.Image(getImg(0))).block(T);
        deltaWriter.putValue(getKey(1), Lsn.of(0x1A), new Value.Image(getLargeImg())).block(T);
        List<BatchWriterResult> deltas = deltaWriter.finish().block(T);
        assertEquals(2, deltas.size());
        assertEquals(new DeltaLayerName(new KeyRange(getKey(0), getKey(1)), Lsn.of(0x18), Lsn.of(0x20)),
                produced(deltas.get(0)).name());
        assertEquals(new DeltaLayerName(new KeyRange(getKey(1), getKey(2)), Lsn.of(0x18), Lsn.of(0x20)),
                produced(deltas.get(1)).name());
        assertEquals(List.of(new LayerEntry(getKey(0), Lsn.of(0x18), new Value.Image(getImg(0))),
                new LayerEntry(getKey(1), Lsn.of(0x1A), new Value.Image(getLargeImg()))), readBack(deltas));
    }

    /** Neon's {@code write_split_single_key}: one key's versions stay in one layer, however large. */
    @Test
    void writeSplitSingleKey() {
        int n = 2000;
        SplitDeltaLayerWriter deltaWriter = deltaWriter(0x10, n * 16L + 0x10, 4 * MIB);
        byte[] img = getLargeImg();
        Flux.range(0, n)
                .concatMap(i -> deltaWriter.putValue(getKey(0), Lsn.of(i * 16L + 0x10), new Value.Image(img)), 1)
                .then().block(T);
        List<BatchWriterResult> deltaLayers = deltaWriter.finish().block(T);
        assertEquals(1, deltaLayers.size());
        WrittenLayer<?> layer = produced(deltaLayers.get(0));
        assertEquals(new DeltaLayerName(new KeyRange(getKey(0), getKey(1)), Lsn.of(0x10), Lsn.of(n * 16L + 0x10)),
                layer.name());
        assertTrue(layer.fileSize() > 4 * MIB, "one layer above the target: " + layer.fileSize());
        assertEquals(n, readBack(deltaLayers).size());
    }

    /** Rejected puts (order, range) change nothing; the writer goes on. */
    @Test
    void rejectedPutsLeaveTheWriterUnchanged() {
        SplitImageLayerWriter images = imageWriter(getKey(5), 0x18, 4 * MIB);
        assertThrows(IllegalArgumentException.class, () -> images.putImage(getKey(4), getImg(4)).block(T));
        images.putImage(getKey(6), getImg(6)).block(T);
        assertThrows(IllegalArgumentException.class, () -> images.putImage(getKey(6), getImg(6)).block(T));
        assertThrows(IllegalArgumentException.class, () -> images.putImage(getKey(5), getImg(5)).block(T));
        images.putImage(getKey(7), getImg(7)).block(T);
        List<BatchWriterResult> imageLayers = images.finish(getKey(8)).block(T);
        assertEquals(List.of(new ImageLayerName(new KeyRange(getKey(5), getKey(8)), Lsn.of(0x18))),
                names(imageLayers));

        SplitDeltaLayerWriter deltas = deltaWriter(0x18, 0x20, 4 * MIB);
        deltas.putValue(getKey(3), Lsn.of(0x19), new Value.Image(getImg(3))).block(T);
        assertThrows(IllegalArgumentException.class,
                () -> deltas.putValue(getKey(3), Lsn.of(0x19), new Value.Image(getImg(3))).block(T));
        assertThrows(IllegalArgumentException.class,
                () -> deltas.putValue(getKey(2), Lsn.of(0x1a), new Value.Image(getImg(2))).block(T));
        assertThrows(IllegalArgumentException.class,
                () -> deltas.putValue(getKey(4), Lsn.of(0x20), new Value.Image(getImg(4))).block(T));
        deltas.putValue(getKey(3), Lsn.of(0x1a), new Value.Image(getImg(3))).block(T);
        List<BatchWriterResult> deltaLayers = deltas.finish().block(T);
        assertEquals(2, readBack(deltaLayers).size());
        assertEquals(2, readBack(imageLayers).size());
    }

    /** A writer given nothing produces nothing and leaves no file. */
    @Test
    void nothingWrittenProducesNothing() throws Exception {
        assertEquals(List.of(), imageWriter(getKey(0), 0x18, MIB).finish(getKey(1)).block(T));
        assertEquals(List.of(), deltaWriter(0x18, 0x20, MIB).finish().block(T));
        assertEquals(List.of(), filesIn());
    }

    /** A finish that fails on its last layer removes the layers it had already finished, and every temp file. */
    @Test
    void failedFinishRemovesEveryLayer() throws Exception {
        SplitImageLayerWriter images = imageWriter(getKey(0), 0x18, 32 * 1024);
        byte[] img = getLargeImg();
        Flux.range(0, 20).concatMap(i -> images.putImage(getKey(i), img), 1).then().block(T);
        // the last layer cannot end at its own last key
        Throwable e = assertThrows(IllegalArgumentException.class, () -> images.finish(getKey(19)).block(T));
        assertTrue(e.getMessage().contains("end key"), e.getMessage());
        assertEquals(List.of(), filesIn(), "finished and temporary layer files are removed");
        images.abort().block(T); // idempotent
    }

    /**
     * Cancelling anywhere (while putting, while finishing a batch of layers) and aborting, as
     * {@code Mono.usingWhen} does, leaves no file: neither temporary nor finished layers.
     */
    @Test
    void cancellationRemovesEveryLayer() throws Exception {
        byte[] img = getLargeImg();
        SplittableRandom rnd = new SplittableRandom(5);
        int cancelled = 0;
        for (int round = 0; round < 12; round++) {
            Function<SplitDeltaLayerWriter, Mono<List<BatchWriterResult>>> body = w -> Flux.range(0, 200)
                    .concatMap(i -> w.putValue(getKey(i), Lsn.of(0x20), new Value.Image(img)), 1)
                    .then(Mono.defer(w::finish));
            Mono<List<BatchWriterResult>> work = Mono.usingWhen(Mono.fromSupplier(() -> deltaWriter(0x18, 0x21,
                    64 * 1024)), body, w -> Mono.empty(), (w, err) -> w.abort(), SplitDeltaLayerWriter::abort);
            cancelled += cancelAfter(work, rnd.nextInt(1, 40), Mono.empty()) ? 1 : 0;
        }
        // and a batch cancelled while its layers are being finished
        int cancelledFinishing = 0;
        for (int round = 0; round < 6; round++) {
            SplitDeltaLayerWriter w = deltaWriter(0x18, 0x21, 64 * 1024);
            Flux.range(0, 200).concatMap(i -> w.putValue(getKey(i), Lsn.of(0x20), new Value.Image(img)), 1)
                    .then().block(T);
            cancelledFinishing += cancelAfter(w.finish(), rnd.nextInt(1, 20), w.abort()) ? 1 : 0;
        }
        assertTrue(cancelled > 0 && cancelledFinishing > 0, "rounds cancelled before the end: " + cancelled
                + " writing, " + cancelledFinishing + " finishing");
    }

    /**
     * Runs {@code work}, cancels it after {@code millis}, and checks the directory ends up empty; if the work had
     * already finished, its layers are legitimately there and are removed first. True if the cancel came first.
     * On a loaded machine the cancel may even come before the scheduled subscription ran: then the work never
     * started, nothing of it can clean up, and {@code ifNeverStarted} (the owner's own cleanup) runs instead.
     */
    private boolean cancelAfter(Mono<List<BatchWriterResult>> work, int millis, Mono<Void> ifNeverStarted)
            throws Exception {
        AtomicReference<List<BatchWriterResult>> done = new AtomicReference<>();
        AtomicBoolean started = new AtomicBoolean();
        CountDownLatch over = new CountDownLatch(1);
        Disposable d = work.doOnSubscribe(s -> started.set(true)).doFinally(s -> over.countDown())
                .subscribeOn(Schedulers.parallel()).subscribe(done::set);
        Thread.sleep(millis);
        d.dispose();
        boolean finished = over.await(200, TimeUnit.MILLISECONDS);
        if (!finished && !started.get()) {
            ifNeverStarted.block(T); // disposed before subscribing: the scheduled subscription will not run
            awaitEmpty();
            return false;
        }
        assertTrue(finished || over.await(10, TimeUnit.SECONDS), "the cancelled work did not terminate");
        if (done.get() != null) {
            for (BatchWriterResult r : done.get()) {
                Files.delete(produced(r).path());
            }
        }
        awaitEmpty();
        return done.get() == null;
    }

    /** Asynchronous cleanup of a cancel: waits (up to 10 s) until the directory is empty. */
    private void awaitEmpty() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!filesIn().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), filesIn(), "files left after a cancel");
    }

    /** The layers a finished writer produced are the caller's: a later abort leaves them alone. */
    @Test
    void abortAfterFinishKeepsTheLayers() throws Exception {
        SplitDeltaLayerWriter w = deltaWriter(0x18, 0x20, 4 * MIB);
        w.putValue(getKey(1), Lsn.of(0x18), new Value.Image(getImg(1))).block(T);
        List<BatchWriterResult> done = w.finish().block(T);
        w.abort().block(T);
        assertTrue(Files.exists(produced(done.get(0)).path()));
        assertEquals(1, readBack(done).size());
        assertThrows(IllegalStateException.class, () -> w.finish().block(T));
    }

    /** Layers read back through their own readers carry the names the batch reported. */
    @Test
    void producedFilesMatchTheirNames() {
        SplitImageLayerWriter images = imageWriter(getKey(0), 0x30, 40 * 1024);
        byte[] img = getLargeImg();
        Flux.range(0, 12).concatMap(i -> images.putImage(getKey(i), img), 1).then().block(T);
        for (BatchWriterResult r : images.finish(getKey(100)).block(T)) {
            WrittenLayer<?> w = produced(r);
            ImageLayerReader reader = ImageLayerReader.open(kit.io.engine, kit.io.cache, w.path(), null).block(T);
            try {
                assertEquals(w.name(), reader.summary().layerName());
                assertEquals(w.fileSize(), reader.fileSize());
            } finally {
                reader.close().block(T);
            }
        }
        SplitDeltaLayerWriter deltas = deltaWriter(0x18, 0x30, 40 * 1024);
        Flux.range(0, 12).concatMap(i -> deltas.putValue(getKey(i), Lsn.of(0x20), new Value.Image(img)), 1)
                .then().block(T);
        for (BatchWriterResult r : deltas.finish().block(T)) {
            WrittenLayer<?> w = produced(r);
            DeltaLayerReader reader = DeltaLayerReader.open(kit.io.engine, kit.io.cache, w.path(), null).block(T);
            try {
                assertEquals(w.name(), reader.summary().layerName());
            } finally {
                reader.close().block(T);
            }
        }
    }
}
