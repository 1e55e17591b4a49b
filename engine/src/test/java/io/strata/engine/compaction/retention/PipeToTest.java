package io.strata.engine.compaction.retention;

import static io.strata.engine.compaction.retention.RetentionTestValues.KEY;
import static io.strata.engine.compaction.retention.RetentionTestValues.append;
import static io.strata.engine.compaction.retention.RetentionTestValues.at;
import static io.strata.engine.compaction.retention.RetentionTestValues.entry;
import static io.strata.engine.compaction.retention.RetentionTestValues.img;
import static io.strata.engine.compaction.retention.RetentionTestValues.init;
import static io.strata.engine.compaction.retention.RetentionTestValues.lsn;
import static io.strata.engine.compaction.retention.RetentionTestValues.retained;
import static io.strata.engine.compaction.retention.RetentionTestValues.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.IteratorOptions;
import io.strata.engine.layer.LayerEntry;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.value.Value;
import io.strata.engine.walredo.NeonWalRedo;
import io.strata.io.buffer.AlignedBufferPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * {@link KeyHistoryRetention#pipeTo}: Neon's routing of the bottom-most image, the order of the puts, and the
 * adapters onto real delta and image layer files.
 */
class PipeToTest {
    private static final Duration T = Duration.ofSeconds(10);

    /** A put as a sink saw it; {@code lsn} is null for images. */
    record Put(String sink, Key key, Lsn lsn, Value value) {
    }

    /** Sinks that record their puts in one list. */
    static final class Recorder {
        final List<Put> puts = new ArrayList<>();
        final DeltaWriterSink delta = (key, lsn, value) -> Mono.fromRunnable(
                () -> puts.add(new Put("delta", key, lsn, value)));
        final ImageWriterSink image = (key, bytes) -> Mono.fromRunnable(
                () -> puts.add(new Put("image", key, null, new Value.Image(bytes))));
    }

    private static Put delta(long lsn, Value value) {
        return new Put("delta", KEY, lsn(lsn), value);
    }

    private static Put image(Value value) {
        return new Put("image", KEY, null, value);
    }

    /** Neon's expected retention of its first test_generate_key_retention case. */
    private static final KeyHistoryRetention NEON_CASE_1 = new KeyHistoryRetention(
            List.of(
                    retained(0x20, at(0x20, img("0x10;0x20"))),
                    retained(0x40, at(0x30, append(";0x30")), at(0x40, append(";0x40"))),
                    retained(0x50, at(0x50, img("0x10;0x20;0x30;0x40;0x50"))),
                    retained(0x60, at(0x60, append(";0x60")))),
            KeyLogAtLsn.of(
                    at(0x70, append(";0x70")),
                    at(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")),
                    at(0x90, append(";0x90"))));

    @Test
    void bottomMostImageGoesToTheImageWriter() {
        Recorder r = new Recorder();
        NEON_CASE_1.pipeTo(KEY, r.delta, Optional.of(r.image)).block(T);
        assertEquals(List.of(
                image(img("0x10;0x20")),
                delta(0x30, append(";0x30")),
                delta(0x40, append(";0x40")),
                // images above the lowest retain LSN stay in the delta layer
                delta(0x50, img("0x10;0x20;0x30;0x40;0x50")),
                delta(0x60, append(";0x60")),
                delta(0x70, append(";0x70")),
                delta(0x80, img("0x10;0x20;0x30;0x40;0x50;0x60;0x70;0x80")),
                delta(0x90, append(";0x90"))), r.puts);
    }

    @Test
    void withoutImageWriterEverythingGoesToTheDeltaWriter() {
        Recorder r = new Recorder();
        NEON_CASE_1.pipeTo(KEY, r.delta, Optional.empty()).block(T);
        assertEquals(delta(0x20, img("0x10;0x20")), r.puts.get(0));
        assertEquals(8, r.puts.size());
        assertEquals(List.of(), r.puts.stream().filter(p -> p.sink().equals("image")).toList());
    }

    @Test
    void onlyASingleImageAtTheLowestRetainLsnIsBottomMost() {
        // the lowest bucket kept as deltas (a branch with an ancestor image): all to the delta writer
        KeyHistoryRetention deltas = new KeyHistoryRetention(
                List.of(retained(0x30, at(0x20, append(";0x20"))), retained(0x60, at(0x60, img("x")))),
                KeyLogAtLsn.of(at(0x70, append(";0x70"))));
        Recorder r = new Recorder();
        deltas.pipeTo(KEY, r.delta, Optional.of(r.image)).block(T);
        assertEquals(List.of(delta(0x20, append(";0x20")), delta(0x60, img("x")), delta(0x70, append(";0x70"))),
                r.puts);

        // an empty lowest bucket (the key came later): the next bucket's image is not bottom-most
        KeyHistoryRetention late = new KeyHistoryRetention(
                List.of(retained(0x10), retained(0x60, at(0x60, img("ABC")))), KeyLogAtLsn.of());
        r = new Recorder();
        late.pipeTo(KEY, r.delta, Optional.of(r.image)).block(T);
        assertEquals(List.of(delta(0x60, img("ABC"))), r.puts);

        // an image and a delta in the lowest bucket: both deltas
        KeyHistoryRetention two = new KeyHistoryRetention(
                List.of(retained(0x30, at(0x10, img("A")), at(0x20, append("B")))), KeyLogAtLsn.of());
        r = new Recorder();
        two.pipeTo(KEY, r.delta, Optional.of(r.image)).block(T);
        assertEquals(List.of(delta(0x10, img("A")), delta(0x20, append("B"))), r.puts);
    }

    @Test
    void aKeptBottomImageGoesToTheDeltaWriterAtTheRetainLsn() {
        // as in Neon: a single image kept below the lowest retain LSN is written at that LSN
        KeyHistoryRetention r0 = new KeyHistoryRetention(List.of(retained(0x30, at(0x15, img("A")))),
                KeyLogAtLsn.of());
        Recorder r = new Recorder();
        r0.pipeTo(KEY, r.delta, Optional.empty()).block(T);
        assertEquals(List.of(delta(0x30, img("A"))), r.puts);
    }

    @Test
    void putsAreSequentialLazyAndStopAtTheFirstError() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        List<Lsn> seen = new ArrayList<>();
        DeltaWriterSink slow = (key, lsn, value) -> Mono.defer(() -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            synchronized (seen) {
                seen.add(lsn);
            }
            return Mono.delay(Duration.ofMillis(2)).doOnNext(x -> inFlight.decrementAndGet()).then();
        });
        Mono<Void> pipe = NEON_CASE_1.pipeTo(KEY, slow, Optional.empty());
        assertEquals(List.of(), seen);
        pipe.block(T);
        assertEquals(1, maxInFlight.get());
        assertEquals(List.of(lsn(0x20), lsn(0x30), lsn(0x40), lsn(0x50), lsn(0x60), lsn(0x70), lsn(0x80),
                lsn(0x90)), seen);

        IllegalStateException boom = new IllegalStateException("disk full");
        List<Lsn> reached = new ArrayList<>();
        DeltaWriterSink failing = (key, lsn, value) -> {
            reached.add(lsn);
            return lsn.equals(lsn(0x40)) ? Mono.error(boom) : Mono.empty();
        };
        assertSame(boom, assertThrows(IllegalStateException.class,
                () -> NEON_CASE_1.pipeTo(KEY, failing, Optional.empty()).block(T)));
        assertEquals(List.of(lsn(0x20), lsn(0x30), lsn(0x40)), reached);
    }

    /** Two keys generated and piped as gc-compaction does, into real layer files through the adapters. */
    @Test
    void adaptersWriteDeltaAndImageLayers(@TempDir Path dir) throws Exception {
        Key key2 = KEY.next();
        KeyRetentionGenerator generator = new KeyRetentionGenerator(new NeonWalRedo());
        List<Lsn> retain = List.of(lsn(0x20));
        KeyHistoryRetention r1 = generator.generateKeyRetention(KEY, List.of(entry(0x10, init("a")),
                entry(0x18, append("b")), entry(0x30, append("c")), entry(0x70, append("d"))), lsn(0x40), retain,
                KeyRetentionGenerator.COMPACTION_DELTA_THRESHOLD, Optional.empty(), true).block(T);
        KeyHistoryRetention r2 = generator.generateKeyRetention(key2, List.of(
                new LayerEntry(key2, lsn(0x30), init("x")), new LayerEntry(key2, lsn(0x50), append("y"))),
                lsn(0x40), retain, KeyRetentionGenerator.COMPACTION_DELTA_THRESHOLD, Optional.empty(), true)
                .block(T);

        AlignedBufferPool pool = new AlignedBufferPool(256 * 1024, 4, 4096).trackLeaks(true);
        try (LayerTestSupport io = new LayerTestSupport(dir)) {
            DeltaLayerWriter deltaWriter = DeltaLayerWriter.create(io.ctx(), KEY, lsn(0x20), lsn(0x80)).block(T);
            ImageLayerWriter imageWriter = ImageLayerWriter.create(io.ctx(), new KeyRange(KEY, key2.next()),
                    lsn(0x20), ImageCompressionAlgorithm.DISABLED).block(T);
            DeltaWriterSink deltas = DeltaWriterSink.of(deltaWriter);
            Optional<ImageWriterSink> images = Optional.of(ImageWriterSink.of(imageWriter));
            r1.pipeTo(KEY, deltas, images).then(r2.pipeTo(key2, deltas, images)).block(T);
            WrittenLayer<DeltaLayerSummary> deltaLayer = deltaWriter.finish(key2.next()).block(T);
            WrittenLayer<ImageLayerSummary> imageLayer = imageWriter.finish().block(T);

            DeltaLayerReader deltaReader = DeltaLayerReader.open(io.engine, io.cache, deltaLayer.path(), null)
                    .block(T);
            List<LayerEntry> deltaEntries = deltaReader.iterator(pool, IteratorOptions.DEFAULT).collectList()
                    .block(T);
            deltaReader.close().block(T);
            ImageLayerReader imageReader = ImageLayerReader.open(io.engine, io.cache, imageLayer.path(), null)
                    .block(T);
            List<LayerEntry> imageEntries = imageReader.iterator(pool, IteratorOptions.DEFAULT).collectList()
                    .block(T);
            imageReader.close().block(T);

            assertEquals(List.of(
                    new LayerEntry(KEY, lsn(0x30), append("c")),
                    new LayerEntry(KEY, lsn(0x70), append("d")),
                    new LayerEntry(key2, lsn(0x30), init("x")),
                    new LayerEntry(key2, lsn(0x50), append("y"))), deltaEntries);
            // key2 does not exist at 0x20: only KEY has a bottom-most image
            assertEquals(1, imageEntries.size());
            assertEquals(KEY, imageEntries.get(0).key());
            assertEquals("ab", utf8(((Value.Image) imageEntries.get(0).value()).bytes()));
        }
        pool.assertNoLeaks();
    }
}
