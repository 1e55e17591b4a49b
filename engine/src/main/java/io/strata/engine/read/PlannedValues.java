package io.strata.engine.read;

import io.strata.engine.key.Key;
import io.strata.engine.key.Lsn;
import io.strata.engine.layer.LayerReader;
import io.strata.engine.vectored.BlobMeta;
import io.strata.engine.vectored.VectoredBlobReader;
import io.strata.engine.vectored.VectoredRead;
import io.strata.io.cache.BlockCache;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * One key's values in an image or delta layer file as the index planned them for a point get: the planned reads
 * hold the blobs in file order (ascending LSN), which this turns into the newest-first order of {@link PointValues}.
 */
final class PlannedValues implements PointValues {
    private final LayerReader<?> layer;
    private final boolean image;
    private final List<VectoredRead> reads;
    /** Index of each read's first blob in file order. */
    private final int[] firstBlob;
    private final BlobMeta[] newestFirst;
    private final VectoredBlobReader blobReader;
    private final BlockCache valueCache;

    private PlannedValues(LayerReader<?> layer, boolean image, List<VectoredRead> reads, int[] firstBlob,
                          BlobMeta[] newestFirst, VectoredBlobReader blobReader, BlockCache valueCache) {
        this.layer = layer;
        this.image = image;
        this.reads = reads;
        this.firstBlob = firstBlob;
        this.newestFirst = newestFirst;
        this.blobReader = blobReader;
        this.valueCache = valueCache;
    }

    /**
     * The values of {@code key} in {@code reads}, or null when the general path must handle them: the key is not in
     * the image layer (it is missing there), or the plan is not what a sound index gives (another key, entries out
     * of order, a value after the will_init one, a read outside the values region), which the general path reports
     * as a damaged layer.
     */
    static PointValues of(LayerReader<?> layer, boolean image, Key key, List<VectoredRead> reads,
                          VectoredBlobReader blobReader, BlockCache valueCache) {
        if (LayerVisits.planProblem(layer, reads, image) != null) {
            return null;
        }
        int n = 0;
        int[] first = new int[reads.size()];
        for (int r = 0; r < reads.size(); r++) {
            first[r] = n;
            n += reads.get(r).blobCount();
        }
        if (image ? n != 1 : n == 0) {
            return image ? null : NONE;
        }
        BlobMeta[] newestFirst = new BlobMeta[n];
        int at = n;
        for (VectoredRead read : reads) {
            for (int i = 0; i < read.blobCount(); i++) {
                BlobMeta b = read.blob(i);
                if (!b.key().equals(key) || (at < n && b.willInit() && !image)) {
                    return null; // another key, or a will_init record with newer values planned below it
                }
                newestFirst[--at] = b;
            }
        }
        return new PlannedValues(layer, image, reads, first, newestFirst, blobReader, valueCache);
    }

    @Override
    public int size() {
        return newestFirst.length;
    }

    @Override
    public Lsn lsn(int i) {
        return newestFirst[i].lsn();
    }

    @Override
    public boolean completes() {
        return image || newestFirst[newestFirst.length - 1].willInit();
    }

    @Override
    public Mono<Void> read(OnDiskValue[] into, int offset) {
        int n = newestFirst.length;
        return LayerVisits.completions(layer, reads, blobReader, valueCache).doOnNext(blobs -> {
            try {
                int base = firstBlob[blobs.sequence()];
                for (int i = 0; i < blobs.size(); i++) {
                    into[offset + n - 1 - (base + i)] = LayerVisits.value(layer, blobs, i, image);
                }
            } finally {
                blobs.release();
            }
        }).then(Mono.defer(() -> {
            for (int i = 0; i < n; i++) {
                if (into[offset + i] == null) {
                    return Mono.error(LayerVisits.undelivered(layer, newestFirst[i]));
                }
            }
            return Mono.empty();
        }));
    }
}
