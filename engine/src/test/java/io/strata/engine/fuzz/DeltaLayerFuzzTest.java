package io.strata.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.strata.engine.bincode.BincodeDecodeException;
import io.strata.engine.blob.BlobCorruptionException;
import io.strata.engine.btree.BtreeCorruptionException;
import io.strata.engine.key.Key;
import io.strata.engine.key.KeyRange;
import io.strata.engine.key.KeySpace;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerCorruptionException;
import io.strata.engine.layer.LayerSummaryMismatchException;
import io.strata.engine.layer.LayerTestSupport;
import io.strata.engine.layer.PersistentLayerDesc;
import io.strata.engine.layer.WrittenLayer;
import io.strata.engine.layer.delta.DeltaEntry;
import io.strata.engine.layer.delta.DeltaLayerReader;
import io.strata.engine.layer.delta.DeltaLayerSummary;
import io.strata.engine.layer.delta.DeltaLayerWriter;
import io.strata.engine.read.IoConcurrency;
import io.strata.engine.read.PersistentLayer;
import io.strata.engine.read.ReconstructResults;
import io.strata.engine.read.ValuesReconstructState;
import io.strata.engine.value.InvalidValueBytesException;
import io.strata.engine.value.NeonWalRecord;
import io.strata.engine.value.Value;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredReadException;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import reactor.core.publisher.Flux;

/**
 * Fuzzes the delta layer reader with damaged copies of a valid delta layer (400 versions of 150 keys: images,
 * Postgres and Neon WAL records, a two-level B-tree of key ‖ LSN): open (summary checks, optionally against the
 * expected summary), {@code loadKeys} (blob extents), the streaming iterator decoding every value with fuzzed
 * planner limits, and the read path's vectored get of every key. Each may succeed or fail with a corruption error
 * naming the file; anything else, a hang or a leaked read buffer is a finding.
 */
class DeltaLayerFuzzTest {
    private static final Key START = Key.fromHex("000000067F00000001000000AE0000000000");
    private static final Key END = START.add(150);
    private static final Lsn LSN_START = new Lsn(0x100);
    private static final Lsn LSN_END = new Lsn(0x400);
    private static final int VERSIONS = 400;
    private static final FuzzOutcomes OUTCOMES = new FuzzOutcomes(LayerCorruptionException.class,
            LayerSummaryMismatchException.class, VectoredReadException.class, BlobCorruptionException.class,
            BtreeCorruptionException.class, BincodeDecodeException.class, InvalidValueBytesException.class)
            // LayerIteration wraps the planners' IAE with the path; BlobCorruptionException wraps zstd's own error
            .allowingCauses(IllegalArgumentException.class, com.github.luben.zstd.ZstdException.class);

    private static LayerFileFuzzer fuzzer;
    private static DeltaLayerSummary expected;

    @BeforeAll
    static void writeLayer() throws Exception {
        fuzzer = new LayerFileFuzzer("delta-layer-fuzz");
        SplittableRandom rnd = new SplittableRandom(11);
        WrittenLayer<DeltaLayerSummary> layer = DeltaLayerWriter.write(fuzzer.io.ctx(), START, LSN_START, LSN_END,
                w -> Flux.range(0, VERSIONS).concatMap(i -> {
                    // keys in order, each with LSNs ascending from the layer start
                    Key key = START.add(i * 150 / VERSIONS);
                    Lsn lsn = LSN_START.add(i);
                    return w.putValue(key, lsn, value(rnd, i));
                }).then(w.finish(END))).block(LayerFileFuzzer.HANG);
        expected = DeltaLayerSummary.expected(LayerTestSupport.TENANT, LayerTestSupport.TIMELINE,
                new KeyRange(START, END), LSN_START, LSN_END);
        DeltaLayerReader r = DeltaLayerReader.open(fuzzer.io.engine, fuzzer.io.cache, layer.path(), expected)
                .block(LayerFileFuzzer.HANG);
        List<DeltaEntry> entries;
        try {
            entries = r.loadKeys().collectList().block(LayerFileFuzzer.HANG);
        } finally {
            r.close().block(LayerFileFuzzer.HANG);
        }
        fuzzer.pristine(layer.path(), entries.stream().mapToLong(e -> e.blobRef().pos()).toArray(),
                layer.summary().indexStartBlk());
    }

    private static Value value(SplittableRandom rnd, int i) {
        return switch (i % 5) {
            case 0 -> new Value.Image(bytes(rnd, i % 3 == 0 ? 8192 : rnd.nextInt(200)));
            case 1 -> new Value.WalRecord(new NeonWalRecord.Postgres(rnd.nextBoolean(), bytes(rnd, rnd.nextInt(100))));
            case 2 -> new Value.WalRecord(new NeonWalRecord.ClearVisibilityMapFlags(OptionalInt.of(rnd.nextInt()),
                    OptionalInt.empty(), rnd.nextInt(256)));
            case 3 -> new Value.WalRecord(new NeonWalRecord.ClogSetAborted(new int[] {rnd.nextInt(), 7}));
            default -> new Value.WalRecord(NeonWalRecord.Test.walAppend("fuzz " + i));
        };
    }

    private static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
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
        DeltaLayerReader r = null;
        try {
            r = LayerFileFuzzer.await(DeltaLayerReader.open(fuzzer.io.engine, fuzzer.io.cache, fuzzer.damaged,
                    checkSummary ? expected : null), "open");
            LayerFileFuzzer.await(r.loadKeys().count(), "loadKeys");
            LayerFileFuzzer.await(r.iterator(fuzzer.io.readPool, options).count(), "iterator");
            // the read path opens a layer the index names, refusing a summary that names another (PersistentLayer.open)
            PersistentLayerDesc desc = new PersistentLayerDesc(expected.layerName(), r.fileSize());
            if (r.summary().layerName().equals(desc.name())) {
                PersistentLayer layer = PersistentLayer.of(desc, r, new VectoredBlobReader(fuzzer.io.readPool),
                        options.maxReadSize());
                ValuesReconstructState state = new ValuesReconstructState(IoConcurrency.SEQUENTIAL);
                LayerFileFuzzer.await(layer.getValuesReconstructData(KeySpace.single(new KeyRange(START, END)),
                        LSN_START, LSN_END, state), "getValuesReconstructData");
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
