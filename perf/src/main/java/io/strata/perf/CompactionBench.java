package io.strata.perf;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.timeline.IngestRecord;
import io.strata.engine.timeline.Timeline;
import io.strata.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import reactor.core.publisher.Flux;

/** The input of the compaction benchmarks: page images at random keys, flushed into L0 layers of equal size. */
final class CompactionBench {
    private CompactionBench() {
    }

    /** Random keys, increasing LSNs, flushed every {@code perLayer} bytes: equal L0 layers; batches made lazily. */
    static void ingest(Timeline t, long values, long perLayer, int keys, long valueSize) {
        SplittableRandom rnd = new SplittableRandom(42);
        long perFlush = Math.max(1, perLayer / valueSize);
        long[] lsn = {0x100};
        long done = 0;
        while (done < values) {
            long n = Math.min(perFlush, values - done);
            long batches = (n + 63) / 64;
            long[] left = {n};
            Flux<List<IngestRecord>> flux = Flux.<List<IngestRecord>>generate(sink -> {
                int size = (int) Math.min(64, left[0]);
                List<IngestRecord> batch = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    lsn[0] += 8;
                    int k = rnd.nextInt(keys);
                    Key key = Key.fromHex(String.format("000000067F000032BE0000400000%08X", k));
                    byte[] v = new byte[(int) valueSize];
                    v[0] = (byte) lsn[0];
                    batch.add(new IngestRecord(key, Lsn.of(lsn[0]), new Value.Image(v)));
                }
                left[0] -= size;
                sink.next(batch);
            }).take(batches);
            t.ingest(flux).block();
            t.freezeAndFlush().block();
            done += n;
        }
    }
}
