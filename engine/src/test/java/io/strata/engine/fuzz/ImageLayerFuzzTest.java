package io.strata.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.strata.engine.blob.BlobCorruptionException;
import io.strata.engine.blob.ImageCompressionAlgorithm;
import io.strata.engine.btree.BtreeCorruptionException;
import io.strata.engine.bincode.BincodeDecodeException;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerSummaryMismatchException;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.image.ImageLayerReader;
import io.strata.engine.layer.image.ImageLayerSummary;
import io.strata.engine.layer.image.ImageLayerWriter;
import io.strata.engine.read.IoConcurrency;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReconstructResults;
import io.strata.engine.read.ValuesReconstructState;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredReadException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import reactor.core.publisher.Flux;

/**
 * Fuzzes the image layer reader with damaged copies of a valid zstd-compressed image layer (400 keys, a two-level
 * B-tree, compressed and stored blobs): open (summary checks, optionally against the expected summary), the index
 * scan ({@code loadKeys}), the streaming iterator with fuzzed planner limits, and the read path's vectored get of
 * every key. Each may succeed or fail with a corruption error naming the file; anything else, a hang or a leaked
 * read buffer is a finding.
 */
class ImageLayerFuzzTest {
    private static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");
    private static final int KEYS = 400;
    private static final KeyRange RANGE = new KeyRange(START, START.add(KEYS));
    private static final Lsn LSN = new Lsn(0x20);
    private static final FuzzOutcomes OUTCOMES = new FuzzOutcomes(LayerCorruptionException.class,
            LayerSummaryMismatchException.class, VectoredReadException.class, BlobCorruptionException.class,
            BtreeCorruptionException.class, BincodeDecodeException.class)
            // LayerIteration wraps the planners' IAE with the path; BlobCorruptionException wraps zstd's own error
            .allowingCauses(IllegalArgumentException.class, com.github.luben.zstd.ZstdException.class);

    private static LayerFileFuzzer fuzzer;
    private static ImageLayerSummary expected;

    @BeforeAll
    static void writeLayer() throws Exception {
        fuzzer = new LayerFileFuzzer("image-layer-fuzz");
        SplittableRandom rnd = new SplittableRandom(7);
        WrittenLayer<ImageLayerSummary> layer = ImageLayerWriter.write(fuzzer.io.ctx(), RANGE, LSN,
                ImageCompressionAlgorithm.Zstd.level(1), w -> Flux.range(0, KEYS).concatMap(i -> {
                    byte[] page;
                    if (i % 3 == 0) { // compresses: stored as zstd
                        page = new byte[8192];
                        Arrays.fill(page, (byte) (int) i);
                    } else { // random: stored as is
                        page = new byte[40 + rnd.nextInt(200)];
                        rnd.nextBytes(page);
                    }
                    return w.putImage(START.add(i), page);
                }).then(w.finish())).block(LayerFileFuzzer.HANG);
        expected = ImageLayerSummary.expected(LayerTestSupport.TENANT, LayerTestSupport.TIMELINE, RANGE, LSN);
        ImageLayerReader r = ImageLayerReader.open(fuzzer.io.engine, fuzzer.io.cache, layer.path(), expected)
                .block(LayerFileFuzzer.HANG);
        List<Long> offsets = new ArrayList<>();
        try {
            r.index().forward(new byte[Key.KEY_SIZE]).doOnNext(e -> offsets.add(e.value())).blockLast();
        } finally {
            r.close().block(LayerFileFuzzer.HANG);
        }
        fuzzer.pristine(layer.path(), LayerFileFuzzer.toArray(offsets), layer.summary().indexStartBlk());
    }

    @AfterAll
    static void close() throws Exception {
        fuzzer.close();
    }

    @FuzzTest(maxDuration = "20s")
    void read(FuzzedDataProvider data) throws Exception {
        String input = fuzzer.damage(data);
        boolean checkSummary = data.consumeBoolean();
        var options = LayerFileFuzzer.options(data);
        ImageLayerReader r = null;
        try {
            r = LayerFileFuzzer.await(ImageLayerReader.open(fuzzer.io.engine, fuzzer.io.cache, fuzzer.damaged,
                    checkSummary ? expected : null), "open");
            LayerFileFuzzer.await(r.loadKeys().count(), "loadKeys");
            LayerFileFuzzer.await(r.iterator(fuzzer.io.readPool, options).count(), "iterator");
            // the read path opens a layer the index names, refusing a summary that names another (PersistentLayer.open)
            PersistentLayerDesc desc = new PersistentLayerDesc(expected.layerName(), r.fileSize());
            if (r.summary().layerName().equals(desc.name())) {
                PersistentLayer layer = PersistentLayer.of(desc, r, new VectoredBlobReader(fuzzer.io.readPool),
                        options.maxReadSize());
                ValuesReconstructState state = new ValuesReconstructState(IoConcurrency.SEQUENTIAL);
                LayerFileFuzzer.await(layer.getValuesReconstructData(KeySpace.single(RANGE), Lsn.INVALID, Lsn.MAX,
                        state), "getValuesReconstructData");
                ReconstructResults.collect(state, LayerFileFuzzer.HANG);
            }
        } catch (RuntimeException e) {
            OUTCOMES.check(e, input);
        } finally {
            if (r != null) {
                LayerFileFuzzer.await(r.close(), "close");
            }
        }
        fuzzer.assertNoLeaks(input);
    }
}
