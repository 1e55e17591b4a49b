package io.strata.engine.layer;

import io.strata.engine.btree.DiskBtreeReader;
import io.strata.io.buffer.AlignedBufferPool;
import io.strata.io.file.DirectFile;
import java.nio.file.Path;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What an open image or delta layer shares: its checked summary, its file and its index read through the block
 * cache. The kinds add their own index key form, {@code loadKeys} and iteration.
 */
public abstract class LayerReader<S extends LayerSummary> {
    protected final LayerFile<S> layer;

    protected LayerReader(LayerFile<S> layer) {
        this.layer = layer;
    }

    public final Path path() {
        return layer.path();
    }

    public final S summary() {
        return layer.summary();
    }

    public final DirectFile file() {
        return layer.file();
    }

    public final long fileSize() {
        return layer.fileSize();
    }

    /** The end of the values region (the index start): where the last blob's extent ends (FORMAT 10.5). */
    public final long valuesEnd() {
        return layer.valuesEnd();
    }

    /** The index (image: 18-byte keys to blob offsets; delta: key ‖ lsn to BlobRefs), through the block cache. */
    public final DiskBtreeReader index() {
        return layer.index();
    }

    /**
     * Every value of the layer in (key, lsn) order, one list per planned read (Neon's {@code next_batch}); see the
     * kinds' {@code batches} for what each yields. Lets callers that do not care about the kind (the merge
     * iterator) stream any layer.
     */
    public abstract Flux<List<LayerEntry>> batches(AlignedBufferPool pool, IteratorOptions options);

    /** Drops the file's cached blocks and closes it. Idempotent. */
    public final Mono<Void> close() {
        return layer.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + path() + '}';
    }
}
