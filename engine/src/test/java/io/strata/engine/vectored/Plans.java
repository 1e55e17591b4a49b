package io.strata.engine.vectored;

import java.util.ArrayList;
import java.util.List;

/** Small helpers to look at plans in assertions. */
final class Plans {
    private Plans() {
    }

    static List<Long> offsets(VectoredRead read) {
        List<Long> out = new ArrayList<>();
        for (BlobMeta b : read.blobs()) {
            out.add(b.offset());
        }
        return out;
    }

    static List<List<Long>> offsets(List<VectoredRead> reads) {
        List<List<Long>> out = new ArrayList<>();
        for (VectoredRead r : reads) {
            out.add(offsets(r));
        }
        return out;
    }

    static List<Long> flat(List<VectoredRead> reads) {
        List<Long> out = new ArrayList<>();
        for (VectoredRead r : reads) {
            out.addAll(offsets(r));
        }
        return out;
    }

    static List<Long> longs(long... values) {
        List<Long> out = new ArrayList<>();
        for (long v : values) {
            out.add(v);
        }
        return out;
    }
}
